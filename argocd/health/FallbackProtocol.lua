-- Argo CD health of an AutoPilot FallbackProtocol: Healthy while traffic goes to the first (primary) target,
-- Degraded when its controller says it is not Ready (all targets down, bad input) or traffic is on a backup,
-- so the Application shows that a dependency has failed even though the failover worked.
if ready ~= nil and ready.status == "False" then
  return { status = "Degraded", message = ready.message }
end
local active = obj.status.activeTarget
local primary = obj.spec.targets[1].name
if ready ~= nil and active ~= nil and active ~= primary then
  return { status = "Degraded", message = "Failed over: traffic goes to " .. active .. ", not the primary " .. primary }
end
if ready ~= nil and ready.status == "True" then
  return { status = "Healthy", message = ready.message }
end
return { status = "Progressing", message = "Waiting for the first probes" }
