-- SPDX-License-Identifier: Apache-2.0
-- wrk script: POST /v1/payment-requests, each with its own Idempotency-Key, cycling over the
-- preloaded payers (+33610000000 + i) so that no payer has two requests in flight.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  key = os.getenv("BENCH_KEY")
  payers = tonumber(os.getenv("BENCH_PAYERS"))
  nthreads = tonumber(os.getenv("BENCH_THREADS"))
  counter = 0
end

function request()
  counter = counter + 1
  local n = (counter * nthreads + tid) % payers
  local body = string.format('{"amount":100,"payer":"+%d","reference":"bench %d-%d"}',
    33610000000 + n, tid, counter)
  local headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Idempotency-Key"] = string.format("bench-%d-%d-%d", os.time(), tid, counter),
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", "/v1/payment-requests", headers, body)
end
