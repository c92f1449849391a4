// Package composecheck checks docker-compose.yaml where Docker cannot run it: the services, their
// volumes, the health check and the wiring between them, against the repository they point into.
package composecheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type service struct {
	Image      string            `yaml:"image"`
	Command    []string          `yaml:"command"`
	WorkingDir string            `yaml:"working_dir"`
	Env        map[string]string `yaml:"environment"`
	Volumes    []string          `yaml:"volumes"`
	Ports      []string          `yaml:"ports"`
	Restart    string            `yaml:"restart"`
	Extends    struct {
		File    string `yaml:"file"`
		Service string `yaml:"service"`
	} `yaml:"extends"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		Retries     int      `yaml:"retries"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
}

type compose struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

const root = "../.."

func load(t *testing.T) compose {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docker-compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("docker-compose.yaml: %v", err)
	}
	return c
}

// volume splits "host:container[:mode]".
func volume(v string) (host, container, mode string) {
	parts := strings.Split(v, ":")
	host, container = parts[0], parts[1]
	if len(parts) > 2 {
		mode = parts[2]
	}
	return
}

func pluginID(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join(root, "src", "plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func TestComposeServices(t *testing.T) {
	c := load(t)
	var names []string
	for n := range c.Services {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"cassandra", "demo-data", "grafana"}; !slices.Equal(names, want) {
		t.Fatalf("services %v, want %v", names, want)
	}
}

func TestComposeCassandra(t *testing.T) {
	cs := load(t).Services["cassandra"]
	if !strings.HasPrefix(cs.Image, "cassandra:5.0") {
		t.Errorf("image %q: want Apache Cassandra 5.0 (cassandra:5.0...)", cs.Image)
	}
	hc := cs.Healthcheck
	if hc == nil {
		t.Fatal("no healthcheck: Grafana and the loader wait for service_healthy")
	}
	if len(hc.Test) < 2 || hc.Test[0] != "CMD-SHELL" || !strings.Contains(hc.Test[1], "cqlsh") {
		t.Errorf("healthcheck %v: want a CQL request through cqlsh, so healthy means CQL answers", hc.Test)
	}
	if hc.Interval == "" || hc.Timeout == "" || hc.Retries < 10 || hc.StartPeriod == "" {
		t.Errorf("healthcheck %+v: want interval, timeout, start_period and enough retries for a JVM start", *hc)
	}
	if !slices.ContainsFunc(cs.Volumes, func(v string) bool { _, target, _ := volume(v); return target == "/var/lib/cassandra" }) {
		t.Errorf("volumes %v: want the data directory in a volume", cs.Volumes)
	}
}

func TestComposeGrafana(t *testing.T) {
	c := load(t)
	g := c.Services["grafana"]
	mounts := map[string]string{}
	for _, v := range g.Volumes {
		host, target, _ := volume(v)
		mounts[target] = host
	}
	want := map[string]string{
		"/var/lib/grafana/plugins/" + pluginID(t): "./dist",
		"/etc/grafana/provisioning":               "./provisioning",
	}
	for target, host := range want {
		if mounts[target] != host {
			t.Errorf("grafana mounts %q at %s, want %q", mounts[target], target, host)
		}
	}
	for _, dir := range []string{"datasources", "dashboards", "alerting"} {
		if _, err := os.Stat(filepath.Join(root, "provisioning", dir)); err != nil {
			t.Errorf("provisioning/%s: %v", dir, err)
		}
	}
	// The provisioned data source reads its contact point from CASSANDRA_HOSTS: the service name.
	ds, err := os.ReadFile(filepath.Join(root, "provisioning", "datasources", "datasources.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ds), "$CASSANDRA_HOSTS") {
		t.Error("provisioning/datasources/datasources.yml no longer reads $CASSANDRA_HOSTS")
	}
	if h := g.Env["CASSANDRA_HOSTS"]; c.Services[h].Image == "" {
		t.Errorf("CASSANDRA_HOSTS=%q is not a service of this file", h)
	}
	if g.DependsOn["cassandra"].Condition != "service_healthy" {
		t.Errorf("depends_on %+v: want cassandra service_healthy", g.DependsOn)
	}
	if _, err := os.Stat(filepath.Join(root, g.Extends.File)); g.Extends.File != "" && err != nil {
		t.Errorf("extends %s: %v", g.Extends.File, err)
	}
}

func TestComposeDemoData(t *testing.T) {
	c := load(t)
	d := c.Services["demo-data"]
	cmd := strings.Join(d.Command, " ")
	if !strings.Contains(cmd, "./cmd/metrics-server demo-data") {
		t.Errorf("command %q: want metrics-server demo-data", cmd)
	}
	mounted := false
	for _, v := range d.Volumes {
		host, target, mode := volume(v)
		if host == "." && target == d.WorkingDir {
			mounted = true
			if mode != "ro" {
				t.Errorf("the source is mounted %q: the loader only reads it, mount it ro", mode)
			}
		}
		if _, ok := c.Volumes[host]; !ok && !strings.HasPrefix(host, ".") {
			t.Errorf("volume %q is not declared under volumes", host)
		}
	}
	if !mounted {
		t.Errorf("volumes %v: want the repository at working_dir %q", d.Volumes, d.WorkingDir)
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "metrics-server", "main.go")); err != nil {
		t.Error(err)
	}
	if h := d.Env["METRICS_SERVER_CASSANDRA"]; h != "cassandra" {
		t.Errorf("METRICS_SERVER_CASSANDRA=%q, want the cassandra service", h)
	}
	if d.DependsOn["cassandra"].Condition != "service_healthy" {
		t.Errorf("depends_on %+v: want cassandra service_healthy", d.DependsOn)
	}
	if d.Restart != "no" {
		t.Errorf("restart %q: a one-shot loader must not restart", d.Restart)
	}
}

// The README tells how to start the stack and names the services.
func TestComposeReadme(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, s := range []string{"docker compose up", "demo-data", "cassandra:5.0"} {
		if !strings.Contains(readme, s) {
			t.Errorf("README.md does not mention %q", s)
		}
	}
}
