-- wrk script: POSTs pre-signed envelopes (one per line of $BODIES), each exactly once,
-- threads taking disjoint slices. Optional $RATE (requests/s over all connections) paces
-- each connection with wrk's delay(). Counts non-201 answers.
local bodies_path = os.getenv("BODIES") or "bodies.ndjson"
local rate = tonumber(os.getenv("RATE") or "0")
local threads = {}
local counter = 1

function setup(thread)
    thread:set("id", counter)
    thread:set("nthreads", 0)
    table.insert(threads, thread)
    counter = counter + 1
end

function init(args)
    bodies = {}
    for line in io.lines(bodies_path) do
        bodies[#bodies + 1] = line
    end
    nthreads = #bodies > 0 and tonumber(os.getenv("THREADS") or "1") or 1
    next_index = id
    created = 0
    other = 0
    exhausted = 0
    conns = tonumber(os.getenv("CONNECTIONS") or "1")
end

function delay()
    if rate > 0 then
        return math.floor(1000 * conns / rate)
    end
    return 0
end

function request()
    local i = next_index
    next_index = next_index + nthreads
    if i > #bodies then
        exhausted = exhausted + 1
        i = ((i - 1) % #bodies) + 1
    end
    return wrk.format("POST", "/v1/records", { ["Content-Type"] = "application/json" }, bodies[i])
end

function response(status, headers, body)
    if status == 201 then
        created = created + 1
    else
        other = other + 1
    end
end

function done(summary, latency, requests)
    local c, o, e = 0, 0, 0
    for _, thread in ipairs(threads) do
        c = c + thread:get("created")
        o = o + thread:get("other")
        e = e + thread:get("exhausted")
    end
    io.write(string.format("created=%d other=%d reused_bodies=%d\n", c, o, e))
    io.write(string.format("throughput_rps=%.1f\n", summary.requests / (summary.duration / 1e6)))
    for _, p in ipairs({ 50, 90, 99, 99.9 }) do
        io.write(string.format("latency_p%s_ms=%.2f\n", p, latency:percentile(p) / 1000))
    end
end
