package dashboard

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/modules/agents"
	"github.com/omnara-go/omnara/platform/web"
)

// statusFilters are the overview's status choices and what each selects.
var statusFilters = []struct {
	Value, Label string
	Statuses     []string
}{
	{"", "All", nil},
	{"waiting", "Waiting for you", []string{agents.StatusAwaitingInput}},
	{"active", "Active", []string{agents.StatusActive, agents.StatusPaused}},
	{"ended", "Ended", []string{agents.StatusCompleted, agents.StatusFailed, agents.StatusKilled, agents.StatusDisconnected, agents.StatusStale}},
}

var waitingFilter = agents.InstanceFilter{Statuses: []string{agents.StatusAwaitingInput}, Limit: 200}

type choice struct {
	Value, Label string
	Selected     bool
}

type homePage struct {
	page
	NeedsYou, Rows []row
	StatusChoices  []choice
	AgentChoices   []choice
	Filtered       bool
	More           string
	FragmentURL    string
}

const (
	overviewPage = 100
	overviewMax  = 2000
)

func (m *Module) home(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := m.newPage(c, "Agents", "home")
	if err != nil {
		return err
	}
	status, agent := c.QueryParam("status"), c.QueryParam("agent")
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	limit = min(max(limit, overviewPage), overviewMax)
	h := homePage{page: p, Filtered: status != "" || agent != ""}
	f := agents.InstanceFilter{AgentType: agent, Limit: limit + 1}
	known := false
	for _, s := range statusFilters {
		if s.Value == status {
			f.Statuses, known = s.Statuses, true
		}
		h.StatusChoices = append(h.StatusChoices, choice{s.Value, s.Label, s.Value == status})
	}
	if !known {
		return web.BadRequest("Unknown status filter " + strconv.Quote(status) + ": use waiting, active or ended.")
	}
	for _, n := range p.counts {
		if len(h.AgentChoices) == 0 || h.AgentChoices[len(h.AgentChoices)-1].Value != n.AgentType {
			h.AgentChoices = append(h.AgentChoices, choice{n.AgentType, n.AgentType, n.AgentType == agent})
		}
	}
	list, err := m.deps.Agents.Overview(ctx, p.User.ID, f)
	if err != nil {
		return web.Internal(err)
	}
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if agent != "" {
		q.Set("agent", agent)
	}
	if len(list) > limit {
		list = list[:limit]
		more := url.Values{}
		for k, v := range q {
			more[k] = v
		}
		more.Set("limit", strconv.Itoa(limit+overviewPage))
		h.More = "/?" + more.Encode()
	}
	loc := p.User.Location()
	for _, s := range list {
		r := m.rowOf(s, loc)
		if r.Question != "" {
			h.NeedsYou = append(h.NeedsYou, r)
		} else {
			h.Rows = append(h.Rows, r)
		}
	}
	if limit > overviewPage {
		q.Set("limit", strconv.Itoa(limit))
	}
	q.Set("fragment", "list")
	h.FragmentURL = "/?" + q.Encode()
	if c.QueryParam("fragment") == "list" {
		html, err := m.pages.Fragment("home", "instances", h)
		if err != nil {
			return web.Internal(err)
		}
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return c.HTMLBlob(http.StatusOK, html)
	}
	return m.pages.Render(c, http.StatusOK, "home", h)
}
