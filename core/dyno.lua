-- dyno.lua - the Lua half of the `dyno` module: composition helpers built
-- on dyno.probe.  Embedded in the binary at build time.
local dyno = ...

local function copy(t)
  local c = {}
  for k, v in pairs(t or {}) do c[k] = v end
  return c
end

-- dyno.sweep(id, params, axis, values): one result per value of params[axis].
function dyno.sweep(id, params, axis, values)
  if type(axis) ~= "string" then
    error("bad argument #3 to 'sweep' (parameter name expected)", 2)
  end
  if type(values) ~= "table" or #values == 0 then
    error("bad argument #4 to 'sweep' (non-empty list of values expected)", 2)
  end
  local results = {}
  for i, v in ipairs(values) do
    local p = copy(params)
    p[axis] = v
    results[i] = dyno.probe(id, p)
  end
  return results
end

-- The metric a result is judged by: `rate` for iterate probes, else the
-- alphabetically first of its headline metrics (the ones its probe exists
-- for), else of all its metrics (records from before headline marks):
-- deterministic, since results are tables without declaration order.
local function main_metric(r)
  if r.metrics.rate then return "rate" end
  local name, head
  for k, m in pairs(r.metrics) do
    if name == nil or k < name then name = k end
    if m.headline and (head == nil or k < head) then head = k end
  end
  return head or name
end
dyno.main_metric = main_metric

-- Least-squares slope of ys over 1..n and its 95% CI (normal approx.).
local function slope(ys)
  local n = #ys
  if n < 3 then return nil end
  local mx, my = (n + 1) / 2, 0
  for i = 1, n do my = my + ys[i] end
  my = my / n
  local sxx, sxy = 0, 0
  for i = 1, n do
    sxx = sxx + (i - mx) ^ 2
    sxy = sxy + (i - mx) * (ys[i] - my)
  end
  local b = sxy / sxx
  local sse = 0
  for i = 1, n do sse = sse + (ys[i] - my - b * (i - mx)) ^ 2 end
  local se = math.sqrt(sse / (n - 2) / sxx)
  return { slope = b, ci95 = { b - 1.96 * se, b + 1.96 * se },
           mean = my, relative = my ~= 0 and b / my or nil,
           significant = (b - 1.96 * se > 0) or (b + 1.96 * se < 0) }
end
dyno.slope = slope

-- dyno.repeat(id, params, {count = n}): run a probe n times and report the
-- drift of its main metric's median and of peak RSS per repetition.
dyno["repeat"] = function(id, params, opts)
  local count = (opts and opts.count) or 10
  if math.type(count) ~= "integer" or count < 1 then
    error("bad argument #3 to 'repeat' ({count = positive integer} expected)", 2)
  end
  local results, values, rss = {}, {}, {}
  local metric
  for i = 1, count do
    local r = dyno.probe(id, params)
    results[i] = r
    if r.status == "ok" then
      metric = metric or main_metric(r)
      values[#values + 1] = r.metrics[metric] and r.metrics[metric].median
      rss[#rss + 1] = r.resources.peak_rss_bytes
    end
  end
  return { results = results, metric = metric, ok = #values,
           drift = slope(values), rss_drift = slope(rss) }
end

-- dyno.concurrent(id, params, n): one instance alone, then n at once.
-- aggregate: the instances' main metric summed (rates) or averaged
-- (times); efficiency: aggregate against n times the lone instance.
function dyno.concurrent(id, params, n)
  if math.type(n) ~= "integer" or n < 1 then
    error("bad argument #3 to 'concurrent' (positive integer expected)", 2)
  end
  local single = dyno.probe(id, params)
  local results = dyno._concurrent(id, params, n)
  local out = { single = single, results = results, n = n }
  if single.status ~= "ok" then return out end
  local metric = main_metric(single)
  local m = single.metrics[metric]
  local sum, ok = 0, 0
  for _, r in ipairs(results) do
    if r.status == "ok" and r.metrics[metric] then
      sum = sum + r.metrics[metric].median
      ok = ok + 1
    end
  end
  out.metric, out.unit, out.ok = metric, m.unit, ok
  if ok == n and m.median > 0 then
    if m.better == "higher" then
      out.aggregate = sum
      out.efficiency = sum / (n * m.median)
    else
      out.aggregate = sum / n
      out.efficiency = m.median / (sum / n)
    end
  end
  return out
end

return dyno
