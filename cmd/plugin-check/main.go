// Command plugin-check starts the built plugin binary the way Grafana does and prints the
// answer of its health check against a Cassandra cluster. The password, if any, is read from
// CASSANDRA_PASSWORD so it never shows in a process list.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/internal/pluginhost"
)

func main() {
	binary := flag.String("binary", "dist/gpx_cassandra_linux_amd64", "plugin executable to start")
	hosts := flag.String("hosts", "127.0.0.1", "comma-separated Cassandra contact points")
	port := flag.Int("port", 9042, "CQL native port")
	keyspace := flag.String("keyspace", "", "default keyspace to check")
	username := flag.String("username", "", "Cassandra user (password from CASSANDRA_PASSWORD)")
	flag.Parse()

	jsonData, _ := json.Marshal(map[string]any{
		"hosts": strings.Split(*hosts, ","), "port": *port, "keyspace": *keyspace, "username": *username,
	})
	secure := map[string]string{}
	if pw := os.Getenv("CASSANDRA_PASSWORD"); pw != "" {
		secure["password"] = pw
	}
	p, err := pluginhost.Start(*binary, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "plugin-check:", err)
		os.Exit(1)
	}
	defer p.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := p.CheckHealth(ctx, &backend.DataSourceInstanceSettings{UID: "plugin-check", Name: "Cassandra Metrics", JSONData: jsonData, DecryptedSecureJSONData: secure})
	if err != nil {
		fmt.Fprintln(os.Stderr, "plugin-check:", err)
		os.Exit(1)
	}
	status := "OK"
	if res.Status != backend.HealthStatusOk {
		status = "ERROR"
	}
	fmt.Printf("Health check (%s): %s: %s\n", *binary, status, res.Message)
	if res.Status != backend.HealthStatusOk {
		p.Kill()
		os.Exit(1)
	}
}
