package dev.offload.jobs;

import java.time.Instant;

/**
 * A claim made by the insert itself: the job is stored already running, as its first attempt on
 * {@code node}, started at {@code startedAt} and leased until {@code leaseUntil}, so that it goes
 * from the {@code 202} to a worker without a wake-up, a poll or a claim transaction of its own.
 * Given by {@link HandOffs#reserve} when this node has a free place for the job's type and
 * nothing of that type may be waiting in the store.
 */
public record HandOff(String node, Instant startedAt, Instant leaseUntil) {
}
