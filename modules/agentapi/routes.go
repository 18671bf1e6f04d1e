package agentapi

import "github.com/labstack/echo/v4"

// Routes of the agent API, mounted at /api/v1. Every route but the OpenAPI
// description needs an API key; the check is attached per route rather
// than with g.Use, which would turn a wrong method on a known path into a
// 404 instead of a 405.
//
//	POST  /messages/agent                       a step or question; returns queued replies
//	POST  /messages/user                        a person's reply
//	GET   /messages/pending                     replies after the read pointer (?wait= blocks)
//	PATCH /messages/:message_id/request-input   turn a sent message into a question
//	GET   /questions/:message_id                a question and its answer (?wait= blocks)
//	POST  /sessions/end                         complete an instance
//	POST  /agents/instances/:instance_id/heartbeat
//	POST  /agent-instances                      register an instance
//	GET   /agent-instances/:instance_id         an instance with its newest messages
//	PUT   /agent-instances/:instance_id/status  complete an instance
//	GET   /auth/verify                          who the key belongs to
//	GET   /openapi.json                         this API's OpenAPI description
func (m *Module) Routes(g *echo.Group) {
	g.POST("/messages/agent", m.createAgentMessage, m.auth)
	g.POST("/messages/user", m.createUserMessage, m.auth)
	g.GET("/messages/pending", m.pending, m.auth)
	g.PATCH("/messages/:message_id/request-input", m.requestInput, m.auth)
	g.GET("/questions/:message_id", m.question, m.auth)
	g.POST("/sessions/end", m.endSession, m.auth)
	g.POST("/agents/instances/:instance_id/heartbeat", m.heartbeat, m.auth)
	g.POST("/agent-instances", m.createInstance, m.auth)
	g.GET("/agent-instances/:instance_id", m.instance, m.auth)
	g.PUT("/agent-instances/:instance_id/status", m.updateStatus, m.auth)
	g.GET("/auth/verify", m.verify, m.auth)
	g.GET("/openapi.json", m.openAPI)
}
