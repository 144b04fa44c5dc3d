-- What every AutoPilot kind's health starts with: not observed yet or behind the spec is Progressing, a
-- Stalled condition is Degraded, a decision waiting for approval (Supervised mode) is Suspended, as Argo CD
-- shows a paused rollout; `condition` and `ready` serve the kind's own checks below.
local function condition(conditionType)
  for _, c in ipairs(obj.status.conditions or {}) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

if obj.status == nil or obj.status.observedGeneration == nil then
  return { status = "Progressing", message = "Waiting for the operator to reconcile the " .. obj.kind }
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration < obj.metadata.generation then
  return { status = "Progressing", message = "Waiting for the operator to observe generation " .. obj.metadata.generation }
end
local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  return { status = "Degraded", message = stalled.message }
end
local decision = obj.status.lastDecision
if decision ~= nil and decision.state == "PendingApproval" then
  return { status = "Suspended", message = decision.action .. " " .. decision.id .. " waits for approval: " .. decision.reason }
end
local ready = condition("Ready")
