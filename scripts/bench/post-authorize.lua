-- wrk script: POSTs authorize request bodies (one JSON per line of $BODIES) to $ROUTE (default
-- /v1/authorize) round robin, or GETs $ROUTE when $METHOD is GET (the trivial-route baseline).
-- Counts 200 answers and others by status; prints the rate and latency percentiles.
local bodies_path = os.getenv("BODIES") or "bodies.ndjson"
local route = os.getenv("ROUTE") or "/v1/authorize"
local method = os.getenv("METHOD") or "POST"
local threads = {}
local counter = 1

function setup(thread)
    thread:set("id", counter)
    table.insert(threads, thread)
    counter = counter + 1
end

function init(args)
    bodies = {}
    if method == "POST" then
        for line in io.lines(bodies_path) do
            bodies[#bodies + 1] = line
        end
    end
    next_index = id
    ok = 0
    other = 0
    statuses = {}
end

function request()
    if method ~= "POST" then
        return wrk.format(method, route)
    end
    local i = ((next_index - 1) % #bodies) + 1
    next_index = next_index + 1
    return wrk.format("POST", route, { ["Content-Type"] = "application/json" }, bodies[i])
end

function response(status, headers, body)
    if status == 200 then
        ok = ok + 1
    else
        other = other + 1
        statuses[status] = (statuses[status] or 0) + 1
    end
end

function done(summary, latency, requests)
    local o, x = 0, 0
    local by_status = {}
    for _, thread in ipairs(threads) do
        o = o + thread:get("ok")
        x = x + thread:get("other")
        for status, n in pairs(thread:get("statuses") or {}) do
            by_status[status] = (by_status[status] or 0) + n
        end
    end
    for status, n in pairs(by_status) do
        io.write(string.format("status_%s=%d\n", tostring(status), n))
    end
    local seconds = summary.duration / 1e6
    io.write(string.format("ok=%d other=%d\n", o, x))
    io.write(string.format("errors connect=%d read=%d write=%d timeout=%d status=%d\n",
        summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
        summary.errors.status))
    io.write(string.format("duration_s=%.2f throughput_rps=%.1f\n", seconds, summary.requests / seconds))
    for _, p in ipairs({ 50, 90, 99, 99.9 }) do
        io.write(string.format("latency_p%s_ms=%.2f\n", p, latency:percentile(p) / 1000))
    end
    io.write(string.format("latency_max_ms=%.2f\n", latency.max / 1000))
end
