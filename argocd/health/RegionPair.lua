-- Argo CD health of an AutoPilot RegionPair (one region's view): Healthy while the primary region serves,
-- Progressing during a failover or failback and while the view is still forming (Ready Unknown: a cold
-- start), Degraded when the backup region serves (the primary is down) or the pair holds for a reason to
-- look at (Ready False: a suspected partition, the fencing record out of reach, an unhealthy taker).
local phase = obj.status.phase
if phase == "FailingOver" or phase == "FailingBack" then
  return { status = "Progressing", message = phase .. " to " .. (obj.status.activeRegion or "the other region") }
end
if ready ~= nil and ready.status == "False" then
  return { status = "Degraded", message = ready.message }
end
if phase == "Backup" then
  return { status = "Degraded", message = "Traffic is on the backup region " .. obj.spec.backup.name .. "; the primary " .. obj.spec.primary.name .. " is down" }
end
if ready ~= nil and ready.status == "True" then
  return { status = "Healthy", message = ready.message }
end
if ready ~= nil then
  return { status = "Progressing", message = ready.message }
end
return { status = "Progressing", message = "Waiting for the first health checks" }
