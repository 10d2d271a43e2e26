-- wrk script: POSTs pre-signed DSSE envelopes (one JSON per line of $BODIES) to
-- /v1/records, each exactly once; wrk threads take disjoint slices (set $THREADS to wrk's -t).
--
-- Open-loop pacing: with $RATE (records/s over all threads) every request has a slot on a
-- fixed schedule (thread start + k / per-thread rate) and delay() waits for that slot, read
-- from CLOCK_MONOTONIC through LuaJIT's FFI. (A constant delay() of connections/rate, as
-- some examples do, adds the service time to every period and undershoots the rate.)
-- A request that is late for its slot goes at once; `late` counts them. Give enough
-- connections that each one's share (RATE / CONNECTIONS per second) leaves room for latency.
--
-- Prints created (201) and other answers by status, bodies that had to be reused (they
-- would answer 200, a duplicate), the achieved rate and latency percentiles.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } vmtrust_timespec;
int clock_gettime(int clock_id, vmtrust_timespec *tp);
]]
local timespec = ffi.new("vmtrust_timespec")
local function now_ms()
    ffi.C.clock_gettime(1, timespec) -- CLOCK_MONOTONIC
    return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local bodies_path = os.getenv("BODIES") or "bodies.ndjson"
local threads = {}
local counter = 1

function setup(thread)
    thread:set("id", counter)
    table.insert(threads, thread)
    counter = counter + 1
end

function init(args)
    bodies = {}
    for line in io.lines(bodies_path) do
        bodies[#bodies + 1] = line
    end
    nthreads = tonumber(os.getenv("THREADS") or "1")
    local rate = tonumber(os.getenv("RATE") or "0")
    interval = rate > 0 and (1000 * nthreads / rate) or 0
    next_index = id
    created = 0
    other = 0
    exhausted = 0
    late = 0
    statuses = {}
    next_slot = nil
end

function delay()
    if interval == 0 then
        return 0
    end
    local now = now_ms()
    if next_slot == nil then
        next_slot = now
    end
    next_slot = next_slot + interval
    local wait = next_slot - now
    if wait < 0 then
        late = late + 1
        if wait < -1000 then
            next_slot = now -- more than a second behind: restart the schedule
        end
        return 0
    end
    return math.floor(wait)
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
        statuses[status] = (statuses[status] or 0) + 1
    end
end

function done(summary, latency, requests)
    local c, o, e, l = 0, 0, 0, 0
    local by_status = {}
    for _, thread in ipairs(threads) do
        c = c + thread:get("created")
        o = o + thread:get("other")
        e = e + thread:get("exhausted")
        l = l + thread:get("late")
        for status, n in pairs(thread:get("statuses") or {}) do
            by_status[status] = (by_status[status] or 0) + n
        end
    end
    for status, n in pairs(by_status) do
        io.write(string.format("status_%s=%d\n", tostring(status), n))
    end
    local seconds = summary.duration / 1e6
    io.write(string.format("created=%d other=%d reused_bodies=%d late_slots=%d\n", c, o, e, l))
    io.write(string.format("errors connect=%d read=%d write=%d timeout=%d status=%d\n",
        summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
        summary.errors.status))
    io.write(string.format("duration_s=%.2f throughput_rps=%.1f created_per_s=%.1f\n",
        seconds, summary.requests / seconds, c / seconds))
    for _, p in ipairs({ 50, 90, 99, 99.9 }) do
        io.write(string.format("latency_p%s_ms=%.2f\n", p, latency:percentile(p) / 1000))
    end
    io.write(string.format("latency_max_ms=%.2f\n", latency.max / 1000))
end
