// Command argocd-health runs Argo CD health checks as Argo CD's resource_customizations tests do: every
// <group>/<Kind>/health.lua under the given folders runs against each case of the health_test.yaml beside
// it (an inputPath into testdata/ and the healthStatus expected), in gopher-lua with the libraries Argo CD
// gives a script from argocd-cm, and the status and message must match exactly.
//
// Usage: argocd-health DIR...
package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

// The statuses Argo CD accepts from a script; any other becomes Unknown.
var validStatuses = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true,
}

type healthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

type testFile struct {
	Tests []struct {
		InputPath    string       `json:"inputPath"`
		HealthStatus healthStatus `json:"healthStatus"`
	} `json:"tests"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: argocd-health DIR...")
		os.Exit(2)
	}
	var scripts []string
	for _, root := range os.Args[1:] {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && d.Name() == "health.lua" {
				scripts = append(scripts, path)
			}
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "argocd-health:", err)
			os.Exit(2)
		}
	}
	sort.Strings(scripts)
	cases, failed := 0, 0
	for _, script := range scripts {
		n, problems := runScript(script)
		cases += n
		for _, p := range problems {
			fmt.Println("FAIL", p)
		}
		failed += len(problems)
	}
	fmt.Printf("argocd-health: %d scripts, %d cases, %d failed\n", len(scripts), cases, failed)
	if len(scripts) == 0 || failed > 0 {
		os.Exit(1)
	}
}

// runScript runs every case of one script's health_test.yaml; it returns the number of cases and what failed.
func runScript(scriptPath string) (int, []string) {
	dir := filepath.Dir(scriptPath)
	script, err := os.ReadFile(scriptPath)
	if err != nil {
		return 0, []string{err.Error()}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "health_test.yaml"))
	if err != nil {
		return 0, []string{fmt.Sprintf("%s: every health.lua needs a health_test.yaml: %v", dir, err)}
	}
	var tests testFile
	if err := yaml.UnmarshalStrict(raw, &tests); err != nil {
		return 0, []string{fmt.Sprintf("%s/health_test.yaml: %v", dir, err)}
	}
	var problems []string
	used := map[string]bool{}
	for _, test := range tests.Tests {
		input := filepath.Join(dir, test.InputPath)
		used[filepath.Clean(input)] = true
		name := filepath.ToSlash(input)
		got, err := evaluate(string(script), input)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
		case got != test.HealthStatus:
			problems = append(problems, fmt.Sprintf("%s: want %+v, got %+v", name, test.HealthStatus, got))
		default:
			fmt.Printf("ok   %s: %s\n", name, got.Status)
		}
	}
	// A testdata file no case reads is a case someone meant to write.
	inputs, _ := filepath.Glob(filepath.Join(dir, "testdata", "*.yaml"))
	for _, input := range inputs {
		if !used[filepath.Clean(input)] {
			problems = append(problems, fmt.Sprintf("%s: no case in health_test.yaml reads it", filepath.ToSlash(input)))
		}
	}
	if len(tests.Tests) == 0 {
		problems = append(problems, fmt.Sprintf("%s/health_test.yaml: no tests", dir))
	}
	return len(tests.Tests), problems
}

// evaluate runs the script with `obj` set to the object in inputPath, as Argo CD's Lua VM does for a script
// from argocd-cm without useOpenLibs: only the package, base and table libraries, a one-second limit.
// (Argo CD also offers a reduced os library; these scripts do not use it, so it is left out.)
func evaluate(script, inputPath string) (healthStatus, error) {
	raw, err := os.ReadFile(inputPath)
	if err != nil {
		return healthStatus{}, err
	}
	var obj map[string]any
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		return healthStatus{}, err
	}
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for name, open := range map[string]lua.LGFunction{
		lua.LoadLibName: lua.OpenPackage, lua.BaseLibName: lua.OpenBase, lua.TabLibName: lua.OpenTable,
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(open), Protect: true}, lua.LString(name)); err != nil {
			return healthStatus{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return healthStatus{}, err
	}
	table, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return healthStatus{}, fmt.Errorf("the script returned %s, not a table", l.Get(-1).Type())
	}
	result := healthStatus{Status: stringField(table, "status"), Message: stringField(table, "message")}
	if !validStatuses[result.Status] {
		return healthStatus{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
	}
	return result, nil
}

func stringField(table *lua.LTable, key string) string {
	if s, ok := table.RawGetString(key).(lua.LString); ok {
		return string(s)
	}
	return ""
}

// toLua turns decoded YAML (JSON types) into Lua values: objects and lists become tables.
func toLua(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case []any:
		list := l.CreateTable(len(v), 0)
		for _, item := range v {
			list.Append(toLua(l, item))
		}
		return list
	case map[string]any:
		table := l.CreateTable(0, len(v))
		for key, item := range v {
			table.RawSetString(key, toLua(l, item))
		}
		return table
	}
	return lua.LNil
}
