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

-- gpu: decided by the gpu plugin's probes when it is installed.
local gpus = hw.gpus or {}
if #gpus == 0 then
  dyno.tune.skip("gpu", "no GPU in the inventory (no gpu plugin, or no NVIDIA GPU found)")
end
