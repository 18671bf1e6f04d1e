-- +goose Up
-- Where a person receives notifications. token holds an ntfy token or a
-- webhook's signing secret, which must be sent or used as is.
CREATE TABLE notify_channels (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    url         TEXT NOT NULL,
    token       TEXT NOT NULL DEFAULT '',
    push_p256dh TEXT NOT NULL DEFAULT '',
    push_auth   TEXT NOT NULL DEFAULT '',
    -- comma-separated: questions, steps, ends
    events      TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX notify_channels_user ON notify_channels(user_id);

-- One row per person: when not to be disturbed (minutes after midnight in
-- time_zone; equal start and end mean never quiet).
CREATE TABLE notify_prefs (
    user_id     UUID PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    quiet_start INTEGER NOT NULL DEFAULT 0,
    quiet_end   INTEGER NOT NULL DEFAULT 0,
    time_zone   TEXT NOT NULL DEFAULT 'UTC',
    updated_at  TIMESTAMPTZ NOT NULL
);

-- The outbox: written in the transaction of the message it announces.
CREATE TABLE notifications (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    instance_id UUID NOT NULL,
    message_id  TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    metadata    TEXT,
    -- steps folded into this one while it waited
    steps       BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX notifications_instance ON notifications(instance_id, kind);

-- One row per notification and channel: the delivery state machine.
CREATE TABLE notify_deliveries (
    notification_id UUID NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    channel_id      UUID NOT NULL REFERENCES notify_channels(id) ON DELETE CASCADE,
    user_id         UUID NOT NULL,
    status          TEXT NOT NULL, -- pending, delivered, failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until   TIMESTAMPTZ,
    last_error      TEXT NOT NULL DEFAULT '',
    delivered_at    TIMESTAMPTZ,
    PRIMARY KEY (notification_id, channel_id)
);
CREATE INDEX notify_deliveries_due ON notify_deliveries(status, next_attempt_at);

-- Answer links work once: the first use of a question's link claims it.
CREATE TABLE notify_answered (
    question_id TEXT PRIMARY KEY,
    used_at     TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE notify_answered;
DROP TABLE notify_deliveries;
DROP TABLE notifications;
DROP TABLE notify_prefs;
DROP TABLE notify_channels;
