-- tune.lua - the default suite of `dyno tune`: each part decides its
-- launcher keys from the inventory and from measurements; a part whose
-- hardware is missing records why in the tune instead of guessing.
--   dyno tune [--quick] [-o dyno-tuned.yaml]
local quick = dyno.param("quick", false)
local hw = dyno.hw()
local cpu = hw.cpu or {}

-- cpu: one worker per physical core.  Hyperthreads share a core's
-- execution units, so compute-bound analyses gain little from them.
if cpu.physical_cores then
  dyno.tune.set("cpu.workers", cpu.physical_cores, string.format(
    "one worker per physical core: %d cores, %d logical CPUs (%s)",
    cpu.physical_cores, cpu.logical_cpus or cpu.physical_cores,
    cpu.model or "unknown CPU"))
end
if cpu.threads_per_core then
  dyno.tune.set("cpu.threads_per_core", cpu.threads_per_core,
    "hardware threads per core, from the hwloc topology")
end
if cpu.flags then
  local best = "generic"
  if cpu.arch == "aarch64" then best = "neon" end
  if cpu.flags.sve then best = "sve" end
  if cpu.flags.sve2 then best = "sve2" end
  if cpu.flags.avx2 then best = "avx2" end
  if cpu.flags.avx512f then best = "avx512" end
  if cpu.flags.amx_tile then best = "amx" end
  dyno.tune.set("cpu.isa", best, "widest vector extension the CPU reports "
    .. "(x86: avx2 < avx512 < amx; arm64: neon < sve < sve2), for picking kernels")
end

-- memory: what a launcher may plan with.
if hw.memory and hw.memory.total then
  dyno.tune.set("memory.total", hw.memory.total,
    "physical memory (MemTotal)", { unit = "B" })
end

-- timing: the cost of reading the clock, measured.  Operations shorter
-- than ~100 clock reads must be timed in batches.
local has_clock, why = dyno.has("null.clock")
local r = has_clock and dyno.probe("null.clock", { samples = quick and 20000 or 200000 })
  or { status = "skipped", message = why }
if r.status == "ok" then
  local ns = r.metrics.latency.median * 1e9
  dyno.tune.set("timing.clock_read_ns", math.floor(ns * 10 + 0.5) / 10,
    string.format("median of %d back-to-back clock read pairs", r.metrics.latency.n),
    { unit = "ns", from = r })
  dyno.tune.set("timing.min_batch_ns", math.ceil(ns * 100),
    "time operations in batches of at least 100 clock reads", { unit = "ns", from = r })
else
  dyno.tune.skip("timing", r.status .. ": " .. r.message)
end

-- io: where the launcher's files will live (the current directory), the
-- block size and queue depth that reach the disk's throughput, the engine
-- and whether O_DIRECT works.  Each choice is the smallest setting within
-- 5% of the best seen: bigger blocks or deeper queues cost memory and
-- latency for nothing beyond that.  The block sweep reads into huge-page
-- buffers (mem=huge), so a large block is not split into two requests by
-- how scattered 4 KiB pages happened to be (docs/probes.md, pitfalls);
-- io.huge_buffers then says whether that matters on this disk.
local function smallest_near_best(rs, metric, label)
  local best = 0
  for _, x in ipairs(rs) do
    local m = x.r.status == "ok" and x.r.metrics[metric]
    if m and m.mean > best then best = m.mean end
  end
  for _, x in ipairs(rs) do
    local m = x.r.status == "ok" and x.r.metrics[metric]
    if m and m.mean >= 0.95 * best then
      return x, best, string.format("%s reached %.0f%% of the best %s seen (%s); "
        .. "larger settings gained %.1f%% at most",
        label(x), 100 * m.mean / best, metric, dyno.units.format(best,
        metric == "iops" and "op/s" or "B/s"), 100 * (best / m.mean - 1))
    end
  end
end

local has_io, why_io = dyno.has("storage.seqread")
if not has_io then
  dyno.tune.skip("io", why_io)
else
  local base = { size = quick and "64MiB" or "1GiB",
                 runtime = quick and "300ms" or "2s" }
  local function run(id, extra)
    local p = {}
    for k, v in pairs(base) do p[k] = v end
    for k, v in pairs(extra) do p[k] = v end
    return dyno.probe(id, p)
  end
  local blocks = {}
  for _, b in ipairs({ "64KiB", "256KiB", "1MiB", "4MiB" }) do
    blocks[#blocks + 1] = { block = b,
      r = run("storage.seqread", { block = b, depth = 8, mem = "huge" }) }
  end
  local bx, best_tp, bwhy = smallest_near_best(blocks, "throughput",
    function(x) return x.block .. " x QD8" end)
  if bx == nil then
    dyno.tune.skip("io", "storage.seqread did not run: " .. blocks[1].r.message)
  else
    dyno.tune.set("io.read_block", bx.r.params.block, bwhy, { unit = "B", from = bx.r })
    dyno.tune.set("io.read_throughput", math.floor(bx.r.metrics.throughput.mean),
      "mean sequential read throughput with io.read_block at QD8",
      { unit = "B/s", from = bx.r })
    dyno.tune.set("io.direct", bx.r.artifacts.direct == "on",
      "O_DIRECT " .. (bx.r.artifacts.direct or "unknown") ..
      " on " .. (bx.r.artifacts.filesystem or "this filesystem"), { from = bx.r })
    local depths = {}
    for _, d in ipairs({ 1, 4, 8, 16, 32 }) do
      depths[#depths + 1] = { depth = d, r = run("storage.randread", { block = "4KiB", depth = d }) }
    end
    local dx, _, dwhy = smallest_near_best(depths, "iops",
      function(x) return "4KiB random reads at QD" .. x.depth end)
    if dx then
      dyno.tune.set("io.queue_depth", dx.depth, dwhy, { from = dx.r })
    end
    local m = run("storage.seqread", { block = bx.block, depth = 8, mem = "malloc" })
    if m.status == "ok" then
      local gain = bx.r.metrics.throughput.mean / m.metrics.throughput.mean - 1
      dyno.tune.set("io.huge_buffers", gain >= 0.05, string.format(
        "%s reads into huge-page buffers ran %+.0f%% against 4 KiB pages (%s, %s)",
        bx.block, 100 * gain, dyno.units.format(bx.r.metrics.throughput.mean, "B/s"),
        dyno.units.format(m.metrics.throughput.mean, "B/s")), { from = m })
    end
    -- psync must beat io_uring by the same 5% margin as the sweeps: short
    -- runs on a shared disk differ by a few percent either way.
    local engine = bx.r.artifacts.engine or "psync"
    local p = run("storage.seqread", { block = bx.block, depth = 8, engine = "psync",
                                       mem = "huge" })
    if engine == "io_uring" and p.status == "ok" and
       p.metrics.throughput.mean > 1.05 * bx.r.metrics.throughput.mean then
      engine = "psync"
    end
    dyno.tune.set("io.engine", engine, string.format(
      "%s at %s: io_uring %s, psync %s", "sequential reads", bx.block,
      dyno.units.format(bx.r.metrics.throughput.mean, "B/s"),
      p.status == "ok" and dyno.units.format(p.metrics.throughput.mean, "B/s") or p.status),
      { from = bx.r })
  end
end

-- gpu: decided by the gpu plugin's probes when it is installed.
local gpus = hw.gpus or {}
if #gpus == 0 then
  dyno.tune.skip("gpu", "no GPU in the inventory (no gpu plugin, or no NVIDIA GPU found)")
end
