-- wrk script: GETs /v1/decisions/{id} for the ids in $IDS (one per line), round robin; prints the rate, the
-- latency percentiles and how many answers were not 200.
local ids = {}
for line in io.lines(os.getenv("IDS") or "ids.txt") do ids[#ids + 1] = line end
local next_index = 1
local threads = {}

function setup(thread) table.insert(threads, thread) end

function init(args)
    bad = 0
end

function request()
    local id = ids[((next_index - 1) % #ids) + 1]
    next_index = next_index + 1
    return wrk.format("GET", "/v1/decisions/" .. id)
end

function response(status, headers, body)
    if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
    local b = 0
    for _, thread in ipairs(threads) do b = b + thread:get("bad") end
    io.write(string.format("not_200=%d\n", b))
    io.write(string.format("throughput_rps=%.1f\n", summary.requests / (summary.duration / 1e6)))
    for _, p in ipairs({ 50, 99 }) do
        io.write(string.format("latency_p%s_ms=%.2f\n", p, latency:percentile(p) / 1000))
    end
end
