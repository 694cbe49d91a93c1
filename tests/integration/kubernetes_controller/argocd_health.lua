-- How Argo CD judges the health of an argoproj.io/Rollout, restated for these tests from the
-- rules of its built-in check (resource_customizations/argoproj.io/Rollout/health.lua):
--   1. no status, or a numeric observedGeneration that is not metadata.generation
--      -> Progressing ("spec update not observed"); a non-numeric or larger one is legacy
--      (always observed);
--   2. a status.phase -> that phase, with Paused reported as Suspended, and status.message;
--   3. otherwise (controllers older than v1.0) from conditions, pauses and counts.
-- Returns two values: the health status and its message.

local function count(value)
  if value == nil then return 0 end
  return value
end

local function spec_observed(rollout)
  local status = rollout.status
  if status == nil then return false end
  local seen = tonumber(status.observedGeneration)
  if seen == nil or seen > rollout.metadata.generation then return true end
  return seen == rollout.metadata.generation
end

local function degraded_by_condition(status)
  for _, condition in ipairs(status.conditions or {}) do
    local reason = condition.reason
    if condition.type == "InvalidSpec" then return true, condition.message end
    if condition.type == "Progressing" and
       (reason == "RolloutAborted" or reason == "ProgressDeadlineExceeded") then
      return true, condition.message
    end
  end
  return false, nil
end

local function legacy(rollout)
  local status, spec = rollout.status, rollout.spec
  local degraded, why = degraded_by_condition(status)
  if degraded then return "Degraded", why end
  local pauses = status.pauseConditions or {}
  if #pauses > 0 or spec.paused == true then return "Suspended", "Rollout is paused" end
  if status.currentPodHash == nil then return "Progressing", "status not reconciled" end
  local wanted = spec.replicas or 1
  local updated = count(status.updatedReplicas)
  if updated < wanted then return "Progressing", "more replicas need to be updated" end
  if count(status.availableReplicas) < updated then
    return "Progressing", "updated replicas are still becoming available"
  end
  local stable = status.stableRS or ""
  if spec.strategy.blueGreen ~= nil then
    if status.blueGreen == nil or status.blueGreen.activeSelector ~= status.currentPodHash then
      return "Progressing", "active service cutover pending"
    end
    if stable ~= "" and stable ~= status.currentPodHash then
      return "Progressing", "waiting for analysis to complete"
    end
  elseif spec.strategy.canary ~= nil then
    if count(status.replicas) > updated then
      return "Progressing", "old replicas are pending termination"
    end
    if stable == "" or stable ~= status.currentPodHash then
      return "Progressing", "waiting for rollout to finish steps"
    end
  end
  return "Healthy", ""
end

local function judge(rollout)
  if not spec_observed(rollout) then
    return "Progressing", "Waiting for rollout spec update to be observed"
  end
  local phase = rollout.status.phase
  if phase ~= nil then
    if phase == "Paused" then return "Suspended", rollout.status.message end
    return phase, rollout.status.message
  end
  return legacy(rollout)
end

return judge(obj)
