-- +goose Up
-- IANA zone the dashboard shows times in.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- +goose Down
ALTER TABLE users DROP COLUMN time_zone;
