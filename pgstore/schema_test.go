package pgstore

import "testing"

// SchemaVersion names the last embedded migration, and the migrations are
// numbered without a gap.
func TestMigrations_Numbered(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != SchemaVersion || ms[len(ms)-1].version != SchemaVersion {
		t.Errorf("%d migrations, the last numbered %d; SchemaVersion is %d", len(ms), ms[len(ms)-1].version, SchemaVersion)
	}
}
