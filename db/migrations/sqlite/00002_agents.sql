-- +goose Up
CREATE TABLE agent_types (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    UNIQUE (user_id, name)
);

CREATE TABLE agent_instances (
    id                   TEXT PRIMARY KEY,
    user_id              TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    agent_type_id        TEXT NOT NULL REFERENCES agent_types(id) ON DELETE CASCADE,
    status               TEXT NOT NULL,
    name                 TEXT,
    started_at           DATETIME NOT NULL,
    ended_at             DATETIME,
    last_heartbeat_at    DATETIME,
    git_diff             TEXT,
    instance_metadata    TEXT,
    -- agent messages that are not questions (MCP's step_number)
    step_count           INTEGER NOT NULL DEFAULT 0,
    last_read_message_id TEXT,
    -- seq of the read pointer and of the newest user message: when the
    -- second is not above the first, nothing is queued and no query runs
    last_read_seq        INTEGER NOT NULL DEFAULT 0,
    last_user_seq        INTEGER NOT NULL DEFAULT 0,
    updated_at           DATETIME NOT NULL
);
-- by owner only: an index on updated_at would be rewritten by every message
CREATE INDEX agent_instances_user ON agent_instances(user_id);

-- seq orders messages; id is what clients see.
CREATE TABLE messages (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    id                  TEXT NOT NULL UNIQUE,
    user_id             TEXT NOT NULL, -- the instance's owner; deleting the user cascades through the instance
    instance_id         TEXT NOT NULL REFERENCES agent_instances(id) ON DELETE CASCADE,
    sender_type         TEXT NOT NULL,
    content             TEXT NOT NULL,
    requires_user_input BOOLEAN NOT NULL DEFAULT 0,
    message_metadata    TEXT,
    created_at          DATETIME NOT NULL
);
CREATE INDEX messages_instance_seq ON messages(instance_id, seq);

-- +goose Down
DROP TABLE messages;
DROP TABLE agent_instances;
DROP TABLE agent_types;
