package main

import (
	"fmt"
	"text/tabwriter"
	"time"
)

// migrate runs "omnara migrate up|down|status".
func (c cli) migrate(args []string) error {
	if len(args) == 0 {
		return usageError("migrate needs up, down or status")
	}
	action := args[0]
	cfg, err := c.parseConfig(newFlagSet("migrate "+action), args[1:])
	if err != nil {
		return err
	}
	p, err := c.openPlatform(cfg, false, false)
	if err != nil {
		return err
	}
	defer p.close()
	prov, err := p.db.Migrator()
	if err != nil {
		return err
	}
	switch action {
	case "up":
		if err := p.db.Migrate(c.ctx, p.logger); err != nil {
			return err
		}
		v, err := prov.GetDBVersion(c.ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s database is at version %d\n", p.db.Dialect, v)
	case "down":
		r, err := prov.Down(c.ctx)
		if err != nil {
			return fmt.Errorf("roll back: %w", err)
		}
		fmt.Fprintf(c.stdout, "rolled back %s\n", r.Source.Path)
	case "status":
		statuses, err := prov.Status(c.ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tFILE\tAPPLIED")
		for _, s := range statuses {
			applied := "pending"
			if !s.AppliedAt.IsZero() {
				applied = s.AppliedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\n", s.Source.Version, s.Source.Path, applied)
		}
		return tw.Flush()
	default:
		return usageError("migrate needs up, down or status, not %q", action)
	}
	return nil
}
