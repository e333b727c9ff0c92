// Tests of the CLIs' shared contract: every task's --help (offline, with the network cut), one-line
// failures with their error code, exit 2 for usage and configuration, named config files that must
// exist, and read-only commands that change nothing.
import assert from "node:assert/strict";
import { helpText, parseCommandLine, usageLine } from "../lib/cli/_command_line.ts";
import { migrate } from "../lib/db/migrate.ts";
import { denoCommand, projectPath, runScript } from "./helpers/project_script.ts";
import { connectTo, freshDatabase, UNREAD_S3, writeConfig } from "./helpers/services.ts";

const TASKS = (JSON.parse(await Deno.readTextFile(projectPath("deno.json"))) as {
  tasks: Record<string, string>;
}).tasks;

/** A TCP listener posing as the HTTP(S) proxy: it counts every connection and closes it. */
async function withCutNetwork<T>(fn: (env: Record<string, string>) => Promise<T>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const attempts: string[] = [];
  const accepting = (async () => {
    for await (const connection of listener) {
      const buffer = new Uint8Array(512);
      const read = await connection.read(buffer).catch(() => null);
      attempts.push(new TextDecoder().decode(buffer.subarray(0, read ?? 0)).split("\r\n")[0]!);
      connection.close();
    }
  })();
  const proxy = `http://127.0.0.1:${listener.addr.port}`;
  const denoDir = Deno.env.get("DENO_DIR");
  const env = {
    HTTPS_PROXY: proxy,
    HTTP_PROXY: proxy,
    ALL_PROXY: proxy,
    https_proxy: proxy,
    http_proxy: proxy,
    // Deno's own once-a-day check for a newer Deno (dl.deno.land) is not a task's traffic: it came
    // through on the days the cache's check was due, and failed the test with nothing of ours at fault.
    DENO_NO_UPDATE_CHECK: "1",
    ...(denoDir ? { DENO_DIR: denoDir } : {}),
  };
  try {
    return { result: await fn(env), attempts };
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
}

Deno.test(
  "the cut network is really cut: a download goes to the dead proxy",
  async () => {
    const emptyCache = await Deno.makeTempDir({ prefix: "deno-dir-" });
    try {
      const { result, attempts } = await withCutNetwork((env) =>
        denoCommand(["info", "npm:left-pad@1.3.0"], {
          cwd: emptyCache,
          env: { ...env, DENO_DIR: emptyCache },
        }).output()
      );
      assert.ok(!result.success);
      assert.ok(attempts.length > 0, "the download did not go through the proxy");
    } finally {
      await Deno.remove(emptyCache, { recursive: true });
    }
  },
);

Deno.test(
  "after deno install, every task's --help runs offline and documents the command",
  async (t) => {
    // `test` is the command running this file; its parts are `check` (below) and `deno test`,
    // which `quality` runs.
    const names = Object.keys(TASKS).filter((name) => name !== "test");
    assert.ok(names.length >= 12, names.join(", "));
    const { result: outputs, attempts } = await withCutNetwork(async (env) => {
      const outputs: Record<string, { code: number; stdout: string; stderr: string }> = {};
      // Two at a time: the machine has two cores.
      const queue = [...names];
      await Promise.all([0, 1].map(async () => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
          const output = await denoCommand(
            ["task", "--quiet", "--config", projectPath("deno.json"), name, "--help"],
            { cwd: projectPath(""), env },
          ).output();
          const decoder = new TextDecoder();
          outputs[name] = {
            code: output.code,
            stdout: decoder.decode(output.stdout),
            stderr: decoder.decode(output.stderr),
          };
        }
      }));
      return outputs;
    });
    assert.deepEqual(attempts, [], "a task tried to reach the network");
    for (const name of names) {
      await t.step(name, () => {
        const { code, stdout, stderr } = outputs[name]!;
        assert.equal(code, 0, stdout + stderr);
        assert.doesNotMatch(stderr, /Download/);
        if (!TASKS[name]!.includes("lib/cli/")) return; // `check`: deno's own subcommands
        assert.match(stdout, new RegExp(`^deno task ${name}: \\S`));
        for (const heading of ["usage:", "options:", "configuration:", "exit codes:"]) {
          assert.match(stdout, new RegExp(`^${heading}`, "m"), `${name} --help has ${heading}`);
        }
        const usage = /^usage: (.*(?:\n {2}.*)*)/m.exec(stdout)![1]!;
        const options = stdout.slice(stdout.indexOf("options:"), stdout.indexOf("configuration:"));
        for (const flag of usage.match(/--[a-z-]+/g) ?? []) {
          assert.match(options, new RegExp(`^  ${flag}\\b.* \\S`, "m"), `${name}: ${flag} listed`);
        }
        const codes = stdout.slice(stdout.indexOf("exit codes:"));
        assert.match(codes, /^ {2}0 +\S/m);
        assert.match(codes, /^ {2}2 +usage/m);
      });
    }
    await t.step("options show their defaults", () => {
      const etl = outputs["etl"]!.stdout;
      assert.match(etl, /^ {2}--trigger NAME +.*\(default: manual\)$/m);
      assert.match(
        etl,
        /^ {2}--config FILE +.*\(default: ETL_CONFIG, else \.\/credentials\.cfg\)$/m,
      );
      assert.match(outputs["dashboard"]!.stdout, /--out DIR .*\(default: reports\/dashboard\)/);
      assert.match(outputs["gen-data"]!.stdout, /--anime-rows N .*\(default: 17562\)/);
      assert.match(outputs["s3:serve"]!.stdout, /AWS_ACCESS_KEY_ID = S3RVER/);
      assert.match(outputs["etl"]!.stdout, /ETL_EMBEDDED_PORT/);
    });
  },
);

Deno.test("helpText lists every option declared to the parser, with its default", () => {
  const help = {
    command: "deno task demo",
    summary: "Demonstrates the help.",
    configuration: ["nothing"],
    exitCodes: [[0, "done"], [2, "usage error"]] as const,
  };
  const options = {
    out: { type: "string", value: "DIR", default: "reports", description: "where to write" },
    // An option added later without help text is still listed, with its default.
    retries: { type: "string", default: "3" },
    names: { type: "string", value: "NAME", multiple: true, required: true },
    quiet: { type: "boolean", default: false, description: "less output" },
  } as const;
  const text = helpText(help, options);
  assert.equal(
    text,
    [
      "deno task demo: Demonstrates the help.",
      "",
      "usage: deno task demo [--out DIR] [--retries RETRIES] --names NAME ... [--quiet]",
      "",
      "options:",
      "  --out DIR           where to write (default: reports)",
      "  --retries RETRIES   (default: 3)",
      "  --names NAME        (required; repeatable)",
      "  --quiet             less output",
      "  --help              show this help and exit",
      "",
      "configuration:",
      "  nothing",
      "",
      "exit codes:",
      "  0  done",
      "  2  usage error",
    ].join("\n"),
  );
  assert.equal(
    usageLine(help, options),
    "usage: deno task demo [--out DIR] [--retries RETRIES] --names NAME ... [--quiet]",
  );
  const errors: string[] = [];
  const original = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    assert.deepEqual(parseCommandLine(["--out", "x"], help, options), { exitCode: 2 });
    assert.deepEqual(parseCommandLine(["--bogus"], help, options), { exitCode: 2 });
    const parsed = parseCommandLine(["--names", "a", "--names", "b"], help, options);
    assert.ok("values" in parsed);
    assert.deepEqual({ ...parsed.values }, {
      out: "reports",
      retries: "3",
      names: ["a", "b"],
      quiet: false,
      help: false,
    });
  } finally {
    console.error = original;
  }
  assert.match(errors[0]!, /^Missing --names NAME\nusage: deno task demo /);
  assert.match(errors[1]!, /^Unknown option '--bogus'\nusage: /);
});

Deno.test(
  "a config file named by --config or ETL_CONFIG must exist: CONFIG_MISSING, exit 2",
  async (t) => {
    const cwd = await Deno.makeTempDir({ prefix: "cli-config-" });
    const missingBy = (namedBy: string) =>
      `CONFIG_MISSING: Cannot find config file "nope.cfg" named by ${namedBy}: only a missing ` +
      "./credentials.cfg, with neither --config nor ETL_CONFIG, selects the embedded default";
    const commands: [string, string, number][] = [
      ["lib/cli/etl.ts", "etl:failed", 2],
      ["lib/cli/dashboard.ts", "dashboard:failed", 2],
      ["lib/cli/quality.ts", "quality:failed", 2],
      ["lib/cli/schedule.ts", "schedule:failed", 2],
      ["lib/cli/grant_analyst.ts", "grant:failed", 2],
      ["lib/cli/deadline_check.ts", "deadline:unchecked", 3],
    ];
    try {
      for (const [script, prefix, code] of commands) {
        await t.step(`${script} --config nope.cfg`, async () => {
          const args = [
            "--config",
            "nope.cfg",
            ...(script.includes("grant") ? ["--role", "r"] : []),
          ];
          const output = await runScript(script, args, { cwd });
          assert.equal(output.code, code, output.stdout + output.stderr);
          assert.equal(output.stderr.trim(), `${prefix} ${missingBy("--config")}`);
        });
      }
      await t.step("ETL_CONFIG=nope.cfg deno task etl", async () => {
        const output = await runScript("lib/cli/etl.ts", [], {
          cwd,
          env: { ETL_CONFIG: "nope.cfg" },
        });
        assert.equal(output.code, 2, output.stdout + output.stderr);
        assert.equal(
          output.stderr.trim(),
          `etl:failed ${missingBy("environment variable ETL_CONFIG")}`,
        );
      });
      await t.step("nothing was started or created", () => {
        assert.deepEqual([...Deno.readDirSync(cwd)], []);
      });
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  },
);

Deno.test(
  "configuration and database errors print one line with their code",
  async (t) => {
    const cwd = await Deno.makeTempDir({ prefix: "cli-errors-" });
    try {
      await t.step("ETL_EMBEDDED_PORT=abc names the variable, exit 2", async () => {
        for (const script of ["lib/cli/etl.ts", "lib/cli/dashboard.ts", "lib/cli/quality.ts"]) {
          const output = await runScript(script, [], { cwd, env: { ETL_EMBEDDED_PORT: "abc" } });
          assert.equal(output.code, 2, output.stdout + output.stderr);
          assert.match(
            output.stderr.trim(),
            /^[a-z]+:failed CONFIG_INVALID: Invalid setting ETL_EMBEDDED_PORT \(from environment variable ETL_EMBEDDED_PORT\): expected an integer from 1 to 65535, got "abc"$/,
          );
        }
      });
      await t.step("an INI line without = names the line, exit 2", async () => {
        const config = `${cwd}/broken.cfg`;
        await Deno.writeTextFile(config, "[S3]\nREGION = us-west-2\nBUCKET\n", { mode: 0o600 });
        const output = await runScript("lib/cli/etl.ts", ["--config", config], { cwd });
        assert.equal(output.code, 2, output.stdout + output.stderr);
        assert.equal(
          output.stderr.trim(),
          `etl:failed CONFIG_INVALID: Cannot parse config file "${config}": line 3 is not ` +
            "KEY = VALUE, [SECTION] or a comment starting with ; or #",
        );
      });
      await t.step("an unreachable database: DB_UNREACHABLE, exit 1, one line", async () => {
        const config = await writeConfig(cwd, UNREAD_S3, {
          host: "127.0.0.1",
          port: 1,
          database: "d",
          user: "u",
          password: "",
        });
        for (
          const [script, prefix, code] of [
            ["lib/cli/dashboard.ts", "dashboard:failed", 1],
            ["lib/cli/quality.ts", "quality:failed", 1],
            ["lib/cli/deadline_check.ts", "deadline:unchecked", 3],
          ] as const
        ) {
          const output = await runScript(script, ["--config", config], { cwd });
          assert.equal(output.code, code, output.stdout + output.stderr);
          assert.match(
            output.stderr.trim(),
            new RegExp(
              `^${prefix} DB_UNREACHABLE: Cannot connect to PostgreSQL at 127\\.0\\.0\\.1:1 database "d" as "u": [^\\n]*$`,
            ),
          );
        }
      });
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  },
);

Deno.test("deno task quality follows the CLI contract and changes nothing", async (t) => {
  const cwd = await Deno.makeTempDir({ prefix: "cli-quality-" });
  const db = await freshDatabase("qualityro");
  const sql = connectTo(db);
  try {
    const config = await writeConfig(cwd, UNREAD_S3, db);
    await t.step("an unknown flag: exit 2, the flag and the usage, no stack trace", async () => {
      const output = await runScript("lib/cli/quality.ts", ["--bogus"], { cwd });
      assert.equal(output.code, 2);
      assert.equal(
        output.stderr.trim(),
        "Unknown option '--bogus'\nusage: deno task quality [--config FILE]\n(--help lists the options)",
      );
    });
    await t.step("a bad setting: exit 2, one line", async () => {
      const bad = `${cwd}/bad.cfg`;
      await Deno.writeTextFile(
        bad,
        (await Deno.readTextFile(config)).replace(/^PORT = .*$/m, "PORT = abc"),
        { mode: 0o600 },
      );
      const output = await runScript("lib/cli/quality.ts", ["--config", bad], { cwd });
      assert.equal(output.code, 2);
      assert.equal(
        output.stderr.trim(),
        `quality:failed CONFIG_INVALID: Invalid setting DB.PORT (from "${bad}"): expected an integer from 1 to 65535, got "abc"`,
      );
    });
    await t.step("a database no run has touched: exit 1, one line, no schema etl", async () => {
      const output = await runScript("lib/cli/quality.ts", ["--config", config], { cwd });
      assert.equal(output.code, 1, output.stdout + output.stderr);
      assert.equal(
        output.stderr.trim(),
        `quality:failed QUALITY_FAILED: Cannot check ${db.host}:${db.port}/${db.database}: no run ` +
          "has published data there yet; run deno task etl first",
      );
      const [etl] = await sql`select to_regnamespace('etl') is not null as present`;
      assert.equal(etl!.present, false);
    });
    await t.step("migrated but never published: the same", async () => {
      await migrate(sql);
      const output = await runScript("lib/cli/quality.ts", ["--config", config], { cwd });
      assert.equal(output.code, 1, output.stdout + output.stderr);
      assert.match(output.stderr, /no run has published data there yet/);
    });
  } finally {
    await sql.end();
    await Deno.remove(cwd, { recursive: true });
  }
});
