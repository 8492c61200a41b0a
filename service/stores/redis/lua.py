"""The Lua script behind :class:`service.stores.redis.store.RedisStore` (one round trip).

Kept as a Python string so that it ships inside the package without package-data.
"""

SCRIPT = """\
-- Atomic check-and-insert for the dedup index of service/stores/redis/store.py.
-- Mirrors service.dedup.stage.judge / match_kind and service.dedup.fingerprint.containment.
-- ARGV: prefix, now, ttl, max_entries, stored_k, min_containment, min_compared,
--       min_size_ratio, common_postings, id, topic, partition, offset,
--       url_key, body_key, shingles, sketch_full, sketch_csv, lookup_csv, posted_csv,
--       lookup_anchor_count, posted_anchors, fuller_min_share, short_shingles,
--       min_containment_short
local P = ARGV[1]
local now, ttl, max_entries = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local stored_k, min_containment = tonumber(ARGV[5]), tonumber(ARGV[6])
local min_compared, min_ratio = tonumber(ARGV[7]), tonumber(ARGV[8])
local common_postings = tonumber(ARGV[9])
local id, topic, partition, offset = ARGV[10], ARGV[11], ARGV[12], ARGV[13]
local url_key, body_key, shingles = ARGV[14], ARGV[15], tonumber(ARGV[16])
local sketch_full = ARGV[17] == '1'
local posted_anchors, fuller_min_share = tonumber(ARGV[22]), tonumber(ARGV[23])
local short_shingles, min_containment_short = tonumber(ARGV[24]), tonumber(ARGV[25])

-- The containment a pair must reach: more when the smaller body is short (stage.py).
local function bar(entry_shingles)
  if math.min(entry_shingles, shingles) < short_shingles then return min_containment_short end
  return min_containment
end

local function numbers(csv)
  local out = {}
  for v in string.gmatch(csv, '[^,]+') do out[#out + 1] = tonumber(v) end
  return out
end

local function evict(eid)
  local keys = redis.call('HGET', P .. ':e:' .. eid, 'k')
  if keys then
    for k in string.gmatch(keys, '[^,]+') do redis.call('SREM', P .. ':k:' .. k, eid) end
  end
  redis.call('DEL', P .. ':e:' .. eid)
  redis.call('ZREM', P .. ':z', eid)
end

for _, eid in ipairs(redis.call('ZRANGEBYSCORE', P .. ':z', '-inf', '(' .. (now - ttl), 'LIMIT', 0, 64)) do
  evict(eid)
end

local sketch, lookup = numbers(ARGV[18]), {}
for k in string.gmatch(ARGV[19], '[^,]+') do lookup[#lookup + 1] = k end
local common, ids = {}, {}
for i, k in ipairs(lookup) do
  local n = redis.call('SCARD', P .. ':k:' .. k)
  if i <= tonumber(ARGV[21]) and n >= common_postings then common[tonumber(k)] = true end
  if n > 0 and n < common_postings then
    for _, eid in ipairs(redis.call('SMEMBERS', P .. ':k:' .. k)) do ids[eid] = true end
  end
end

local function containment(stored, stored_full, probe, probe_full)
  local limit = math.huge
  if #stored > 0 and not stored_full then limit = stored[#stored] end
  if #probe > 0 and not probe_full and probe[#probe] < limit then limit = probe[#probe] end
  local left, nl, nr, both = {}, 0, 0, 0
  for _, v in ipairs(stored) do
    if v <= limit and not common[v] then left[v] = true; nl = nl + 1 end
  end
  for _, v in ipairs(probe) do
    if v <= limit and not common[v] then
      nr = nr + 1
      if left[v] then both = both + 1 end
    end
  end
  if nl == 0 or nr == 0 then return 0, 0, 0 end
  return both / nl, both / nr, math.min(nl, nr)
end

local function rank(e)
  if url_key ~= '0' and e.u == url_key then return 0 end
  if body_key ~= '0' and e.b == body_key then return 1 end
  local small, large = math.min(e.n, shingles), math.max(e.n, shingles)
  if small == 0 or small < min_ratio * large then return 3 end
  local a, b, compared = containment(e.a, #e.a >= e.n, sketch, sketch_full)
  if compared >= min_compared and math.max(a, b) >= bar(e.n) then return 2 end
  return 3
end

local best, best_rank = nil, 3
for eid, _ in pairs(ids) do
  local f = redis.call('HMGET', P .. ':e:' .. eid, 'o', 'p', 'f', 'u', 'b', 'a', 'n', 't')
  if f[1] and tonumber(f[8]) >= now - ttl then
    if eid == id and f[1] == topic and f[2] == partition and f[3] == offset then
      return {'unique', eid, '', '1'}
    end
    local e = {id = eid, u = f[4], b = f[5], a = numbers(f[6]), n = tonumber(f[7]), t = tonumber(f[8])}
    local r = rank(e)
    if r < 3 and (best == nil or r < best_rank or (r == best_rank and
        (e.t < best.t or (e.t == best.t and e.id < best.id)))) then
      best, best_rank = e, r
    end
  end
end
-- A near-duplicate that is a fuller edition of the entry's story gives the entry its
-- anchors and size (service.dedup.stage.is_fuller_edition); its new first anchors are
-- posted, and postings of anchors it no longer has are removed.
local function refresh_if_fuller(e)
  if shingles <= e.n then return end
  local a, b, compared = containment(e.a, #e.a >= e.n, sketch, sketch_full)
  if compared < min_compared or a < bar(e.n) or b < fuller_min_share then return end
  local key = P .. ':e:' .. e.id
  local old_anchor = {}
  for i = 1, math.min(posted_anchors, #e.a) do old_anchor[e.a[i]] = true end
  local keys, seen = {}, {}
  for i = 1, math.min(posted_anchors, stored_k, #sketch) do
    keys[#keys + 1] = lookup[i]
    seen[lookup[i]] = true
  end
  for k in string.gmatch(redis.call('HGET', key, 'k') or '', '[^,]+') do
    if old_anchor[tonumber(k)] and not seen[k] then
      redis.call('SREM', P .. ':k:' .. k, e.id)
    elseif not seen[k] then
      keys[#keys + 1] = k
      seen[k] = true
    end
  end
  for i = 1, math.min(posted_anchors, stored_k, #sketch) do
    redis.call('SADD', P .. ':k:' .. lookup[i], e.id)
  end
  local stored = {}
  for i = 1, math.min(stored_k, #sketch) do stored[i] = sketch[i] end
  redis.call('HSET', key, 'a', table.concat(stored, ','), 'n', shingles, 'k', table.concat(keys, ','))
end

if best then
  local kinds = {[0] = 'url', [1] = 'exact', [2] = 'near'}
  if best_rank == 2 then refresh_if_fuller(best) end
  return {kinds[best_rank], best.id, best.id, '0'}
end

if redis.call('EXISTS', P .. ':e:' .. id) == 1 then evict(id) end
while redis.call('ZCARD', P .. ':z') >= max_entries do
  evict(redis.call('ZRANGE', P .. ':z', 0, 0)[1])
end
local stored = {}
for i = 1, math.min(stored_k, #sketch) do stored[i] = sketch[i] end
redis.call('HSET', P .. ':e:' .. id, 'o', topic, 'p', partition, 'f', offset, 'u', url_key,
  'b', body_key, 'a', table.concat(stored, ','), 'n', shingles, 't', math.floor(now), 'k', ARGV[20])
for k in string.gmatch(ARGV[20], '[^,]+') do redis.call('SADD', P .. ':k:' .. k, id) end
redis.call('ZADD', P .. ':z', now, id)
return {'unique', id, '', '0'}
"""
