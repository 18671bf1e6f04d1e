package db

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// sharedValue is a row of server_settings: a value every instance on one
// database shares (signing keys, first-start markers).
type sharedValue struct {
	Name      string `gorm:"primaryKey"`
	Value     string
	CreatedAt time.Time
}

func (sharedValue) TableName() string { return "server_settings" }

// SharedValue returns the server-wide value name, storing make's result
// first when there is none. Instances starting together agree on the first
// value written; make runs only when the value is missing.
func SharedValue(ctx context.Context, g *gorm.DB, name string, make func() (string, error)) (string, error) {
	read := func() (string, bool, error) {
		var rows []sharedValue
		err := g.WithContext(ctx).Where("name = ?", name).Limit(1).Find(&rows).Error
		if err != nil || len(rows) == 0 {
			return "", false, err
		}
		return rows[0].Value, true, nil
	}
	if v, ok, err := read(); err != nil || ok {
		return v, err
	}
	value, err := make()
	if err != nil {
		return "", err
	}
	err = g.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&sharedValue{Name: name, Value: value, CreatedAt: time.Now().UTC()}).Error
	if err != nil {
		return "", err
	}
	v, ok, err := read()
	if err == nil && !ok {
		err = errors.New("the shared value " + name + " vanished after it was written")
	}
	return v, err
}
