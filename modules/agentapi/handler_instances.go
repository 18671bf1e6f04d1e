package agentapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/modules/agents"
	"github.com/omnara-go/omnara/platform/web"
)

type endSessionResponse struct {
	Success         bool   `json:"success"`
	AgentInstanceID string `json:"agent_instance_id"`
	FinalStatus     string `json:"final_status"`
}

func (m *Module) endSession(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	instanceID := b.str("agent_instance_id")
	if err := b.err(); err != nil {
		return err
	}
	if err := m.agents.EndSession(c.Request().Context(), userID(c), instanceID); err != nil {
		return agentError(err, http.StatusBadRequest)
	}
	id, _ := agents.ParseID(instanceID)
	return c.JSON(http.StatusOK, endSessionResponse{Success: true, AgentInstanceID: id, FinalStatus: agents.StatusCompleted})
}

type heartbeatResponse struct {
	AgentInstanceID string `json:"agent_instance_id"`
	LastHeartbeatAt string `json:"last_heartbeat_at"`
}

// pathUUID reads a UUID path parameter; anything else is a 422, as
// FastAPI answers for a typed path.
func pathUUID(c echo.Context, name string) (string, error) {
	id, ok := agents.ParseID(c.Param(name))
	if !ok {
		return "", web.Unprocessable(web.FieldError{Loc: []any{"path", name}, Msg: "Input should be a valid UUID", Type: "uuid_parsing"})
	}
	return id, nil
}

func (m *Module) heartbeat(c echo.Context) error {
	id, err := pathUUID(c, "instance_id")
	if err != nil {
		return err
	}
	at, err := m.agents.Heartbeat(c.Request().Context(), userID(c), id)
	if err != nil {
		return agentError(err, http.StatusNotFound)
	}
	return c.JSON(http.StatusOK, heartbeatResponse{AgentInstanceID: id, LastHeartbeatAt: agents.FormatTime(at)})
}

type createInstanceResponse struct {
	AgentInstanceID  string          `json:"agent_instance_id"`
	AgentTypeID      string          `json:"agent_type_id"`
	AgentTypeName    string          `json:"agent_type_name"`
	Status           string          `json:"status"`
	Name             *string         `json:"name"`
	InstanceMetadata json.RawMessage `json:"instance_metadata"`
}

func (m *Module) createInstance(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	in := agents.NewInstance{AgentType: b.str("agent_type")}
	if id, _ := b.optStr("agent_instance_id"); id != nil {
		in.InstanceID = *id
	}
	in.Name, _ = b.optStr("name")
	in.Transport, _ = b.optStr("transport")
	if err := b.err(); err != nil {
		return err
	}
	inst, err := m.agents.CreateInstance(c.Request().Context(), userID(c), in)
	switch {
	case err == agents.ErrAccessDenied:
		return web.NewError(http.StatusForbidden, "Agent instance belongs to another user")
	case err == agents.ErrAgentTypeEmpty:
		return web.Unprocessable(web.FieldError{Loc: []any{"body", "agent_type"}, Msg: "String should have at least 1 character", Type: "string_too_short"})
	case err != nil:
		return agentError(err, http.StatusNotFound)
	}
	return c.JSON(http.StatusCreated, createInstanceResponse{
		AgentInstanceID: inst.ID, AgentTypeID: inst.AgentTypeID, AgentTypeName: inst.AgentType.Name,
		Status: inst.Status, Name: inst.Name, InstanceMetadata: rawJSON(inst.InstanceMetadata),
	})
}

func (m *Module) instance(c echo.Context) error {
	limit := 0
	if raw := c.QueryParam("message_limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			return web.Unprocessable(web.FieldError{Loc: []any{"query", "message_limit"}, Msg: "Input should be a valid integer", Type: "int_parsing"})
		}
		limit = n
	}
	v, err := m.agents.Instance(c.Request().Context(), userID(c), c.Param("instance_id"), limit)
	if err != nil {
		return agentError(err, http.StatusNotFound)
	}
	return c.JSON(http.StatusOK, newInstanceView(v))
}

func (m *Module) updateStatus(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	status := b.str("status")
	if err := b.err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := m.agents.UpdateStatus(ctx, userID(c), c.Param("instance_id"), status); err != nil {
		return agentError(err, http.StatusNotFound)
	}
	v, err := m.agents.Instance(ctx, userID(c), c.Param("instance_id"), 50)
	if err != nil {
		return agentError(err, http.StatusNotFound)
	}
	return c.JSON(http.StatusOK, newInstanceView(v))
}
