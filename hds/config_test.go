package hds

import (
	"testing"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Config
		err  error
	}{
		{name: "defaults", want: DefaultConfig()},
		{name: "full", text: "enabled on; hds_fragment 2.5; hds_window 30; hds_path /var/hds;",
			want: Config{Enabled: true, Fragment: 2500 * time.Millisecond, Window: 30 * time.Second, Path: "/var/hds"}},
		{name: "enabled needs on", text: "enabled yes;", want: DefaultConfig()},
		{name: "bad fragment", text: "hds_fragment ten;", err: ErrInvalidConfig},
		{name: "zero window", text: "hds_window 0;", err: ErrInvalidConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := config.Parse("test.conf", []byte("vhost v { hds { "+tt.text+" } }"))
			require.NoError(t, err)
			got, err := ParseConfig(root.Get("vhost").Get("hds"))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				assert.Contains(t, err.Error(), "test.conf:1")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	got, err := ParseConfig(nil)
	require.NoError(t, err)
	assert.Equal(t, DefaultConfig(), got)
}
