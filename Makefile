# Offload: the front door. `make run` starts the service, `make test` runs the fast loop (unit and
# component tests), `make verify` every test (real processes, a cluster, kill -9, Chromium).
MVN ?= mvn -B -q
JAR := target/offload.jar
CONF ?= conf/config.json
SUB ?= alice
SCOPE ?= jobs:read jobs:write
TTL ?= 3600
# The queue lives in the store, not in the heap: 256 MB holds the service with a million jobs
# queued (docs/benchmarks.md). Raise it for job types that hold large data in memory.
JAVA_OPTS ?= -Xmx256m
export JAVA_OPTS

# Maven 3.8 writes ANSI colour resets even in batch mode: `plain CMD` strips them from CMD's
# output and keeps CMD's exit status.
plain = mkdir -p target && { $(1); echo $$? > target/.exit; } 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; exit $$(cat target/.exit)

.PHONY: build run test verify token bench cluster cluster-stop clean

build: $(JAR)

# Maven's output goes to stderr so that `TOKEN=$$(make -s token)` captures only the token.
$(JAR): pom.xml $(shell find src/main -type f)
	@echo "Building $(JAR) with Maven: a minute or two, and a few more the first time (it downloads the dependencies)..." >&2
	@($(call plain,$(MVN) -Dstyle.color=never -DskipTests package)) >&2

run: $(JAR)
	java $(JAVA_OPTS) -jar $(JAR) -conf $(CONF)

# Not quiet: Surefire's and Failsafe's "Tests run" summaries are what CI reads.
# The fast loop: every unit and component test but those tagged "slow", in two JVMs side by side;
# no jar, no processes.
test:
	@$(call plain,mvn -B -ntp test -Dtest.excludedGroups=slow -Dtest.forks=2)

# Everything, as CI runs it: the slow tests too, the jar, and the integration tests (*IT) against it.
verify:
	@$(call plain,mvn -B -ntp verify)

token: $(JAR)
	@java -cp $(JAR) dev.offload.auth.TokenCli $(CONF) "$(SUB)" "$(SCOPE)" $(TTL)

bench: $(JAR)
	bench/run.sh

# Three nodes on loopback (one api, two workers) on the clustered event bus and PostgreSQL.
cluster: $(JAR)
	bin/cluster.sh start

cluster-stop:
	bin/cluster.sh stop

clean:
	rm -rf target
