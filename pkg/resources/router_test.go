package resources

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// The resource router answers the same on its own (the plugin's CallResource through the SDK's
// httpadapter) and mounted in another chi router (metrics-server's /api/resources), escaped
// spellings of a path included; the mount's route pattern names the resource.
func TestRouterAloneAndMounted(t *testing.T) {
	connect := func(context.Context) (*cassandra.Client, error) { return nil, errors.New("no Cassandra here") }
	alone := NewHandler(connect, Options{})
	var pattern string
	outer := chi.NewRouter()
	outer.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			pattern = chi.RouteContext(r.Context()).RoutePattern()
		})
	})
	outer.Mount("/api/resources", NewHandler(connect, Options{}))
	for _, tt := range []struct {
		method, path     string
		status           int
		allow, wantIn    string
		wantRoutePattern string
	}{
		{"GET", "/variable", 400, "", `parameter \"query\" is required`, "/api/resources/variable"},
		{"GET", "/%76ariable", 400, "", `parameter \"query\" is required`, "/api/resources/variable"},
		{"DELETE", "/variable", 405, "GET, HEAD, POST", "method DELETE is not allowed on /variable: use GET or HEAD or POST", ""},
		{"PUT", "/preview", 405, "POST", "not allowed on /preview", ""},
		{"GET", "/nothing", 404, "", `no resource \"/nothing\"`, ""},
		{"BREW", "/nothing", 404, "", `no resource \"/nothing\"`, ""},
		{"BREW", "/keyspaces", 405, "GET, HEAD", "not allowed on /keyspaces", ""},
		{"GET", "/keyspaces", 500, "", "no Cassandra here", "/api/resources/keyspaces"},
	} {
		for name, h := range map[string]http.Handler{"alone": alone, "mounted": outer} {
			if name == "mounted" && tt.method == "BREW" {
				continue // a method chi does not know is the outer router's to answer
			}
			path := tt.path
			if name == "mounted" {
				path = "/api/resources" + path
			}
			rec := httptest.NewRecorder()
			pattern = ""
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, path, nil))
			if rec.Code != tt.status || rec.Header().Get("Allow") != tt.allow || !strings.Contains(rec.Body.String(), tt.wantIn) {
				t.Errorf("%s %s %s: %d Allow %q %s; want %d Allow %q with %q", name, tt.method, path, rec.Code, rec.Header().Get("Allow"), rec.Body, tt.status, tt.allow, tt.wantIn)
			}
			if name == "mounted" && tt.wantRoutePattern != "" && pattern != tt.wantRoutePattern {
				t.Errorf("%s %s: route pattern %q, want %q", tt.method, path, pattern, tt.wantRoutePattern)
			}
		}
	}
}
