-- SPDX-License-Identifier: Apache-2.0
-- wrk script: GET /v1/transfers/{id} of one transfer, with the merchant's key.
function init(args)
  local key = os.getenv("BENCH_KEY")
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.path = "/v1/transfers/" .. os.getenv("BENCH_TRANSFER")
end
