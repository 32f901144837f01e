// Type-checked (tsc --noEmit --strict) against the client openapi-typescript generates from the
// served contract (./api.d.ts, written by http/ThirdPartyClientsIT): what a TypeScript user of
// Offload writes must compile. Each line fails to compile if the contract loses what it states.
import createClient from 'openapi-fetch';
import type {components, operations, paths, webhooks} from './api';

type Schemas = components['schemas'];

// A submission needs only type and input: fields with a default (priority, delaySeconds, ...)
// are optional, and so are a schedule's timezone and paused.
const minimal: Schemas['SleepSubmission'] = {type: 'sleep', input: {seconds: 1}};
const schedule: Schemas['ScheduleRequest'] = {name: 'nightly', cron: '0 3 * * *', job: minimal};

// A job's input and result are open objects, not Record<string, never>.
declare const job: Schemas['Job'];
const seconds: unknown = job.input['seconds'];
const input: Schemas['Job']['input'] = {seconds: 1};
const result: NonNullable<Schemas['Job']['result']> = {sleptSeconds: 1};

// The completion webhook (OpenAPI 3.1 `webhooks`) has a type for its body and headers.
const delivery: webhooks['jobFinished']['post'] = {} as operations['jobFinished'];
const event: Schemas['JobFinishedEvent'] = {type: 'job.succeeded', timestamp: '2026-12-07T00:00:00.000Z', data: job};
const headers: operations['jobFinished']['parameters']['header'] = {
  'webhook-id': '8f14e45f-ceea-467f-a8f5-3f1a2b3c4d5e_1765065600000',
  'webhook-timestamp': '1765065600',
  'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
};

// A finished job's event stream may answer 204 (nothing more to follow).
type EventStreamAnswers = keyof operations['jobEvents']['responses'];
const stopped: EventStreamAnswers = 204;

// docs/api.md's example, as written there.
declare const token: string;
const offload = createClient<paths>({baseUrl: 'http://127.0.0.1:8080',
  headers: {Authorization: `Bearer ${token}`}});
const {data, error} = await offload.POST('/api/v1/jobs', {body: {type: 'sleep', input: {seconds: 5}}});
const queued: string | undefined = data?.id;
const refused: string | undefined = error?.detail;

export {queued, refused, minimal, schedule, seconds, input, result, delivery, event, headers, stopped};
