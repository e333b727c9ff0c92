// Tests for settings resolution: precedence env > INI file > default, exact errors, no leaked secrets.
import assert from "node:assert/strict";
import { PipelineError } from "../lib/errors.ts";
import {
  chooseConfigFile,
  embeddedPortFrom,
  type ResolveOptions,
  resolveSettings,
  secretValues,
  type Settings,
} from "../lib/config/settings.ts";

const FILE_SECRETS = {
  accessKeyId: "AKIAFILEKEY00000001",
  secretAccessKey: "fileSecret/K7MDENG+bPxRfiCYEXAMPLE=",
  password: "file-db-password-4471",
};
const ENV_SECRETS = {
  accessKeyId: "AKIAENVKEY000000002",
  secretAccessKey: "envSecret/Zz9+QqWERTYuiop1234=",
  password: "env-db-password-9023",
};
const ALL_SECRETS = [...Object.values(FILE_SECRETS), ...Object.values(ENV_SECRETS)];

const FULL_FILE = `; test credentials
[S3]
AWS_ACCESS_KEY_ID = ${FILE_SECRETS.accessKeyId}
AWS_SECRET_ACCESS_KEY = ${FILE_SECRETS.secretAccessKey}
REGION = us-west-2
BUCKET = anime-recommendation-dataset
PREFIX = Anime_Recommendation_Dataset
ENDPOINT = http://127.0.0.1:9000

[DB]
HOST = db.example.internal
PORT = 6543
DATABASE = anime
USER = etl
PASSWORD = ${FILE_SECRETS.password}

[ETL]
REJECT_THRESHOLD = 0.05
STALL_TIMEOUT_SECONDS = 30
PUBLISH_WAIT_SECONDS = 90
`;

const MINIMAL_FILE = `[S3]
REGION = us-west-2
BUCKET = anime-recommendation-dataset

[DB]
HOST = localhost
DATABASE = anime
USER = etl
`;

const ALL_ENV = {
  AWS_ACCESS_KEY_ID: ENV_SECRETS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: ENV_SECRETS.secretAccessKey,
  AWS_REGION: "eu-central-1",
  AWS_ENDPOINT_URL_S3: "https://s3.example.test:8443",
  PGHOST: "pg.env.internal",
  PGPORT: "15432",
  PGDATABASE: "env_db",
  PGUSER: "env_user",
  PGPASSWORD: ENV_SECRETS.password,
};

/** Writes `text` to a fresh config file with `mode`, runs `fn`, and removes the directory. */
async function withConfig<T>(
  text: string | undefined,
  fn: (path: string) => Promise<T>,
  mode = 0o600,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "settings_test_" });
  const path = `${dir}/credentials.cfg`;
  try {
    if (text !== undefined) {
      await Deno.writeTextFile(path, text);
      await Deno.chmod(path, mode);
    }
    return await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function resolveQuietly(options: ResolveOptions): Promise<Settings> {
  return resolveSettings({ warn: () => {}, ...options });
}

/** Asserts the PipelineError's class, code and exact message, and that no secret leaks from it. */
async function assertConfigError(
  promise: Promise<unknown>,
  code: "CONFIG_MISSING" | "CONFIG_INVALID",
  message: string,
) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PipelineError, `expected a PipelineError, got ${error}`);
    assert.equal(error.code, code);
    assert.equal(error.stage, "config");
    assert.equal(error.message, message);
    const printed = [
      error.message,
      Deno.inspect(error),
      JSON.stringify(error),
      String(error.stack),
    ];
    for (const secret of ALL_SECRETS) {
      for (const text of printed) assert.ok(!text.includes(secret), `leaked ${secret}`);
    }
    return true;
  });
}

Deno.test("resolveSettings without a config file selects the embedded default", async (t) => {
  const cases: { name: string; env: Record<string, string>; limits: Settings["limits"] }[] = [
    {
      name: "no environment",
      env: {},
      limits: {
        rejectThreshold: 0.01,
        stallTimeoutSeconds: 60,
        publishWaitSeconds: 180,
        priority: 10,
      },
    },
    {
      name: "database environment variables do not leave embedded mode",
      env: ALL_ENV,
      limits: {
        rejectThreshold: 0.01,
        stallTimeoutSeconds: 60,
        publishWaitSeconds: 180,
        priority: 10,
      },
    },
    {
      name: "limits from the environment still apply",
      env: { ETL_REJECT_THRESHOLD: "0.2", ETL_STALL_TIMEOUT_SECONDS: "5" },
      limits: {
        rejectThreshold: 0.2,
        stallTimeoutSeconds: 5,
        publishWaitSeconds: 180,
        priority: 10,
      },
    },
  ];
  for (const { name, env, limits } of cases) {
    await t.step(name, async () => {
      await withConfig(undefined, async (configPath) => {
        const settings = await resolveQuietly({ configPath, env });
        assert.deepEqual(settings, { mode: "embedded", configPath, limits });
      });
    });
  }
});

Deno.test("resolveSettings reads a full config file", async () => {
  await withConfig(FULL_FILE, async (configPath) => {
    assert.deepEqual(await resolveQuietly({ configPath, env: {} }), {
      mode: "configured",
      configPath,
      s3: {
        accessKeyId: FILE_SECRETS.accessKeyId,
        secretAccessKey: FILE_SECRETS.secretAccessKey,
        region: "us-west-2",
        bucket: "anime-recommendation-dataset",
        prefix: "Anime_Recommendation_Dataset/",
        endpoint: "http://127.0.0.1:9000",
      },
      db: {
        host: "db.example.internal",
        port: 6543,
        database: "anime",
        user: "etl",
        password: FILE_SECRETS.password,
      },
      limits: {
        rejectThreshold: 0.05,
        stallTimeoutSeconds: 30,
        publishWaitSeconds: 90,
        priority: 10,
      },
    });
  });
});

Deno.test("resolveSettings applies defaults for optional settings", async () => {
  await withConfig(MINIMAL_FILE, async (configPath) => {
    assert.deepEqual(await resolveQuietly({ configPath, env: {} }), {
      mode: "configured",
      configPath,
      s3: {
        accessKeyId: "",
        secretAccessKey: "",
        region: "us-west-2",
        bucket: "anime-recommendation-dataset",
        prefix: "",
      },
      db: { host: "localhost", port: 5432, database: "anime", user: "etl", password: "" },
      limits: {
        rejectThreshold: 0.01,
        stallTimeoutSeconds: 60,
        publishWaitSeconds: 180,
        priority: 10,
      },
    });
  });
});

Deno.test("resolveSettings keeps passwords holding INI comment characters verbatim", async (t) => {
  const cases: { name: string; line: string; password: string }[] = [
    { name: "hash", line: "PASSWORD = pa#ss", password: "pa#ss" },
    { name: "semicolon", line: "PASSWORD = pa;ss", password: "pa;ss" },
    { name: "space before a hash", line: "PASSWORD = pa #ss", password: "pa #ss" },
    { name: "backslash", line: "PASSWORD = pa\\ss\\", password: "pa\\ss\\" },
    { name: "equals signs", line: "PASSWORD = a=b==", password: "a=b==" },
    { name: "double-quoted", line: 'PASSWORD = "pa#ss;"', password: "pa#ss;" },
    {
      name: "a comment line after it",
      line: "PASSWORD = pa#ss\n; PASSWORD = other",
      password: "pa#ss",
    },
    { name: "CRLF line ends", line: "PASSWORD = pa;ss\r\nPORT = 5433\r", password: "pa;ss" },
  ];
  for (const { name, line, password } of cases) {
    await t.step(name, async () => {
      await withConfig(MINIMAL_FILE + line + "\n", async (configPath) => {
        const settings = await resolveQuietly({ configPath, env: {} });
        assert.equal(settings.mode, "configured");
        if (settings.mode === "configured") assert.equal(settings.db.password, password);
      });
    });
  }
});

Deno.test("resolveSettings lets environment variables override the file", async (t) => {
  await t.step("every variable", async () => {
    await withConfig(FULL_FILE, async (configPath) => {
      const settings = await resolveQuietly({ configPath, env: ALL_ENV });
      assert.equal(settings.mode, "configured");
      if (settings.mode !== "configured") return;
      assert.deepEqual(settings.s3, {
        accessKeyId: ENV_SECRETS.accessKeyId,
        secretAccessKey: ENV_SECRETS.secretAccessKey,
        region: "eu-central-1",
        bucket: "anime-recommendation-dataset",
        prefix: "Anime_Recommendation_Dataset/",
        endpoint: "https://s3.example.test:8443",
      });
      assert.deepEqual(settings.db, {
        host: "pg.env.internal",
        port: 15432,
        database: "env_db",
        user: "env_user",
        password: ENV_SECRETS.password,
      });
    });
  });

  const single: {
    variable: string;
    value: string;
    pick: (s: Settings & { mode: "configured" }) => unknown;
    expected: unknown;
  }[] = [
    {
      variable: "AWS_ACCESS_KEY_ID",
      value: "AKIAONLYTHISKEY",
      pick: (s) => s.s3.accessKeyId,
      expected: "AKIAONLYTHISKEY",
    },
    {
      variable: "AWS_SECRET_ACCESS_KEY",
      value: "only/this+secret",
      pick: (s) => s.s3.secretAccessKey,
      expected: "only/this+secret",
    },
    {
      variable: "AWS_REGION",
      value: "ap-northeast-1",
      pick: (s) => s.s3.region,
      expected: "ap-northeast-1",
    },
    {
      variable: "AWS_ENDPOINT_URL_S3",
      value: "http://minio:9000",
      pick: (s) => s.s3.endpoint,
      expected: "http://minio:9000",
    },
    { variable: "PGHOST", value: "10.0.0.7", pick: (s) => s.db.host, expected: "10.0.0.7" },
    { variable: "PGPORT", value: "5433", pick: (s) => s.db.port, expected: 5433 },
    { variable: "PGDATABASE", value: "other", pick: (s) => s.db.database, expected: "other" },
    { variable: "PGUSER", value: "reader", pick: (s) => s.db.user, expected: "reader" },
    {
      variable: "PGPASSWORD",
      value: "only-this-pass",
      pick: (s) => s.db.password,
      expected: "only-this-pass",
    },
    {
      variable: "ETL_REJECT_THRESHOLD",
      value: "0.5",
      pick: (s) => s.limits.rejectThreshold,
      expected: 0.5,
    },
    {
      variable: "ETL_STALL_TIMEOUT_SECONDS",
      value: "2.5",
      pick: (s) => s.limits.stallTimeoutSeconds,
      expected: 2.5,
    },
    {
      variable: "ETL_PUBLISH_WAIT_SECONDS",
      value: "3",
      pick: (s) => s.limits.publishWaitSeconds,
      expected: 3,
    },
    {
      variable: "ETL_PUBLISH_TERMINATE_AFTER_SECONDS",
      value: "45",
      pick: (s) => s.limits.publishTerminateAfterSeconds,
      expected: 45,
    },
    { variable: "ETL_PRIORITY", value: "19", pick: (s) => s.limits.priority, expected: 19 },
    { variable: "ETL_PRIORITY", value: "off", pick: (s) => s.limits.priority, expected: 0 },
    { variable: "ETL_PRIORITY", value: " OFF ", pick: (s) => s.limits.priority, expected: 0 },
    { variable: "ETL_PRIORITY", value: "0", pick: (s) => s.limits.priority, expected: 0 },
    {
      variable: "PGHOST",
      value: "  padded.host  ",
      pick: (s) => s.db.host,
      expected: "padded.host",
    },
    { variable: "PGHOST", value: "   ", pick: (s) => s.db.host, expected: "db.example.internal" },
  ];
  for (const { variable, value, pick, expected } of single) {
    await t.step(`${variable}=${JSON.stringify(value)}`, async () => {
      await withConfig(FULL_FILE, async (configPath) => {
        const settings = await resolveQuietly({ configPath, env: { [variable]: value } });
        assert.equal(settings.mode, "configured");
        if (settings.mode === "configured") assert.equal(pick(settings), expected);
      });
    });
  }
});

Deno.test("resolveSettings normalises the S3 prefix", async (t) => {
  const cases: { prefix: string; expected: string }[] = [
    { prefix: "", expected: "" },
    { prefix: "Anime_Recommendation_Dataset", expected: "Anime_Recommendation_Dataset/" },
    { prefix: "Anime_Recommendation_Dataset/", expected: "Anime_Recommendation_Dataset/" },
    { prefix: "/Anime_Recommendation_Dataset", expected: "Anime_Recommendation_Dataset/" },
    { prefix: "a/b", expected: "a/b/" },
    { prefix: "/", expected: "" },
  ];
  for (const { prefix, expected } of cases) {
    await t.step(JSON.stringify(prefix), async () => {
      await withConfig(
        `${MINIMAL_FILE.replace("[DB]", `PREFIX = ${prefix}\n\n[DB]`)}`,
        async (configPath) => {
          const settings = await resolveQuietly({ configPath, env: {} });
          assert.equal(settings.mode === "configured" && settings.s3.prefix, expected);
        },
      );
    });
  }
});

Deno.test("resolveSettings names every place searched for a missing setting", async (t) => {
  const cases: {
    name: string;
    text: string;
    env?: Record<string, string>;
    message: (path: string) => string;
  }[] = [
    {
      name: "DB.HOST absent",
      text: MINIMAL_FILE.replace("HOST = localhost\n", ""),
      message: (path) =>
        `Cannot find setting DB.HOST: searched environment variable PGHOST, [DB] HOST in "${path}"`,
    },
    {
      name: "DB.HOST empty, as in the example file, with secrets set",
      text: FULL_FILE.replace("HOST = db.example.internal", "HOST ="),
      env: { AWS_SECRET_ACCESS_KEY: ENV_SECRETS.secretAccessKey, PGPASSWORD: ENV_SECRETS.password },
      message: (path) =>
        `Cannot find setting DB.HOST: searched environment variable PGHOST, [DB] HOST in "${path}"`,
    },
    {
      name: "S3.BUCKET has no environment variable",
      text: MINIMAL_FILE.replace("BUCKET = anime-recommendation-dataset\n", ""),
      message: (path) => `Cannot find setting S3.BUCKET: searched [S3] BUCKET in "${path}"`,
    },
    {
      name: "S3.REGION",
      text: MINIMAL_FILE.replace("REGION = us-west-2\n", ""),
      message: (path) =>
        `Cannot find setting S3.REGION: searched environment variable AWS_REGION, [S3] REGION in "${path}"`,
    },
    {
      name: "DB.USER in a file without a [DB] section",
      text: "[S3]\nREGION = us-west-2\nBUCKET = b\n",
      env: { PGHOST: "h", PGDATABASE: "d" },
      message: (path) =>
        `Cannot find setting DB.USER: searched environment variable PGUSER, [DB] USER in "${path}"`,
    },
  ];
  for (const { name, text, env, message } of cases) {
    await t.step(name, async () => {
      await withConfig(text, async (configPath) => {
        await assertConfigError(
          resolveQuietly({ configPath, env: env ?? {} }),
          "CONFIG_MISSING",
          message(configPath),
        );
      });
    });
  }
});

Deno.test("resolveSettings refuses invalid values with the key, the source and the problem", async (t) => {
  const cases: {
    name: string;
    text: string;
    env?: Record<string, string>;
    message: (path: string) => string;
  }[] = [
    {
      name: "PORT not a number",
      text: FULL_FILE.replace("PORT = 6543", "PORT = abc"),
      message: (path) =>
        `Invalid setting DB.PORT (from "${path}"): expected an integer from 1 to 65535, got "abc"`,
    },
    {
      name: "PORT 0",
      text: FULL_FILE.replace("PORT = 6543", "PORT = 0"),
      message: (path) =>
        `Invalid setting DB.PORT (from "${path}"): expected an integer from 1 to 65535, got "0"`,
    },
    {
      name: "PORT 65536",
      text: FULL_FILE.replace("PORT = 6543", "PORT = 65536"),
      message: (path) =>
        `Invalid setting DB.PORT (from "${path}"): expected an integer from 1 to 65535, got "65536"`,
    },
    {
      name: "PORT with a fraction",
      text: FULL_FILE.replace("PORT = 6543", "PORT = 5432.5"),
      message: (path) =>
        `Invalid setting DB.PORT (from "${path}"): expected an integer from 1 to 65535, got "5432.5"`,
    },
    {
      name: "PGPORT from the environment names the variable",
      text: FULL_FILE,
      env: { PGPORT: "x5432" },
      message: () =>
        'Invalid setting DB.PORT (from environment variable PGPORT): expected an integer from 1 to 65535, got "x5432"',
    },
    {
      name: "ENDPOINT not a URL",
      text: FULL_FILE.replace("ENDPOINT = http://127.0.0.1:9000", "ENDPOINT = 127.0.0.1:9000"),
      message: (path) =>
        `Invalid setting S3.ENDPOINT (from "${path}"): expected an http(s) URL, got "127.0.0.1:9000"`,
    },
    {
      name: "ENDPOINT with another scheme",
      text: FULL_FILE.replace("ENDPOINT = http://127.0.0.1:9000", "ENDPOINT = ftp://store"),
      message: (path) =>
        `Invalid setting S3.ENDPOINT (from "${path}"): expected an http(s) URL, got "ftp://store"`,
    },
    {
      name: "AWS_ENDPOINT_URL_S3 from the environment names the variable",
      text: FULL_FILE,
      env: { AWS_ENDPOINT_URL_S3: "minio:9000" },
      message: () =>
        'Invalid setting S3.ENDPOINT (from environment variable AWS_ENDPOINT_URL_S3): expected an http(s) URL, got "minio:9000"',
    },
    {
      name: "REJECT_THRESHOLD above 1",
      text: FULL_FILE.replace("REJECT_THRESHOLD = 0.05", "REJECT_THRESHOLD = 1.5"),
      message: (path) =>
        `Invalid setting ETL.REJECT_THRESHOLD (from "${path}"): expected a share from 0 to 1, got "1.5"`,
    },
    {
      name: "REJECT_THRESHOLD as a percentage",
      text: FULL_FILE.replace("REJECT_THRESHOLD = 0.05", "REJECT_THRESHOLD = 5%"),
      message: (path) =>
        `Invalid setting ETL.REJECT_THRESHOLD (from "${path}"): expected a share from 0 to 1, got "5%"`,
    },
    {
      name: "REJECT_THRESHOLD negative",
      text: FULL_FILE.replace("REJECT_THRESHOLD = 0.05", "REJECT_THRESHOLD = -0.1"),
      message: (path) =>
        `Invalid setting ETL.REJECT_THRESHOLD (from "${path}"): expected a share from 0 to 1, got "-0.1"`,
    },
    {
      name: "ETL_REJECT_THRESHOLD from the environment names the variable",
      text: FULL_FILE,
      env: { ETL_REJECT_THRESHOLD: "abc" },
      message: () =>
        'Invalid setting ETL.REJECT_THRESHOLD (from environment variable ETL_REJECT_THRESHOLD): expected a share from 0 to 1, got "abc"',
    },
    {
      name: "STALL_TIMEOUT_SECONDS zero",
      text: FULL_FILE.replace("STALL_TIMEOUT_SECONDS = 30", "STALL_TIMEOUT_SECONDS = 0"),
      message: (path) =>
        `Invalid setting ETL.STALL_TIMEOUT_SECONDS (from "${path}"): expected seconds above 0, got "0"`,
    },
    {
      name: "PUBLISH_WAIT_SECONDS not a number",
      text: FULL_FILE.replace("PUBLISH_WAIT_SECONDS = 90", "PUBLISH_WAIT_SECONDS = 3m"),
      message: (path) =>
        `Invalid setting ETL.PUBLISH_WAIT_SECONDS (from "${path}"): expected seconds above 0, got "3m"`,
    },
    {
      name: "ETL_PUBLISH_TERMINATE_AFTER_SECONDS zero from the environment",
      text: FULL_FILE,
      env: { ETL_PUBLISH_TERMINATE_AFTER_SECONDS: "0" },
      message: () =>
        'Invalid setting ETL.PUBLISH_TERMINATE_AFTER_SECONDS (from environment variable ETL_PUBLISH_TERMINATE_AFTER_SECONDS): expected seconds above 0, got "0"',
    },
    {
      name: "ETL_PRIORITY above 19",
      text: FULL_FILE,
      env: { ETL_PRIORITY: "20" },
      message: () =>
        'Invalid setting ETL.PRIORITY (from environment variable ETL_PRIORITY): expected a nice value from 0 to 19, or off, got "20"',
    },
    {
      name: "ETL_PRIORITY negative",
      text: FULL_FILE,
      env: { ETL_PRIORITY: "-5" },
      message: () =>
        'Invalid setting ETL.PRIORITY (from environment variable ETL_PRIORITY): expected a nice value from 0 to 19, or off, got "-5"',
    },
    {
      name: "only the access key id",
      text: FULL_FILE.replace(/AWS_SECRET_ACCESS_KEY = .*\n/, ""),
      message: (path) =>
        `Invalid setting S3.AWS_SECRET_ACCESS_KEY (from "${path}"): set both AWS_ACCESS_KEY_ID and ` +
        "AWS_SECRET_ACCESS_KEY, or neither for anonymous access",
    },
    {
      name: "only the secret access key, from the environment",
      text: MINIMAL_FILE,
      env: { AWS_SECRET_ACCESS_KEY: ENV_SECRETS.secretAccessKey },
      message: (path) =>
        `Invalid setting S3.AWS_SECRET_ACCESS_KEY (from "${path}"): set both AWS_ACCESS_KEY_ID and ` +
        "AWS_SECRET_ACCESS_KEY, or neither for anonymous access",
    },
    {
      name: "invalid port alongside secrets from the environment",
      text: FULL_FILE.replace("PORT = 6543", "PORT = -1"),
      env: {
        AWS_ACCESS_KEY_ID: ENV_SECRETS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ENV_SECRETS.secretAccessKey,
        PGPASSWORD: ENV_SECRETS.password,
      },
      message: (path) =>
        `Invalid setting DB.PORT (from "${path}"): expected an integer from 1 to 65535, got "-1"`,
    },
  ];
  for (const { name, text, env, message } of cases) {
    await t.step(name, async () => {
      await withConfig(text, async (configPath) => {
        await assertConfigError(
          resolveQuietly({ configPath, env: env ?? {} }),
          "CONFIG_INVALID",
          message(configPath),
        );
      });
    });
  }
});

Deno.test("resolveSettings warns when the config file is readable by others", async (t) => {
  const cases: { mode: number; warnings: (path: string) => string[] }[] = [
    {
      mode: 0o644,
      warnings: (path) => [
        `config:warning "${path}" is readable by other users (mode 644): run chmod 600 "${path}"`,
      ],
    },
    {
      mode: 0o640,
      warnings: (path) => [
        `config:warning "${path}" is readable by other users (mode 640): run chmod 600 "${path}"`,
      ],
    },
    { mode: 0o600, warnings: () => [] },
    { mode: 0o400, warnings: () => [] },
  ];
  for (const { mode, warnings } of cases) {
    await t.step(`mode ${mode.toString(8)}`, async () => {
      await withConfig(FULL_FILE, async (configPath) => {
        const seen: string[] = [];
        await resolveSettings({ configPath, env: {}, warn: (message) => seen.push(message) });
        assert.deepEqual(seen, warnings(configPath));
        for (const message of seen) {
          for (const secret of ALL_SECRETS) assert.ok(!message.includes(secret));
        }
      }, mode);
    });
  }
});

Deno.test("secretValues lists the secrets to scrub from output", async (t) => {
  await t.step("configured with keys and a password", async () => {
    await withConfig(FULL_FILE, async (configPath) => {
      const settings = await resolveQuietly({ configPath, env: {} });
      assert.deepEqual(secretValues(settings), [
        FILE_SECRETS.accessKeyId,
        FILE_SECRETS.secretAccessKey,
        FILE_SECRETS.password,
      ]);
    });
  });
  await t.step("anonymous S3 and a password too short to scrub", async () => {
    await withConfig(MINIMAL_FILE, async (configPath) => {
      const settings = await resolveQuietly({ configPath, env: { PGPASSWORD: "abc" } });
      assert.deepEqual(secretValues(settings), []);
    });
  });
  await t.step("embedded", async () => {
    await withConfig(undefined, async (configPath) => {
      assert.deepEqual(secretValues(await resolveQuietly({ configPath, env: ALL_ENV })), []);
    });
  });
});

Deno.test("resolveSettings refuses a config file someone named that does not exist", async (t) => {
  const cases: { name: string; namedBy: string }[] = [
    { name: "--config", namedBy: "--config" },
    { name: "ETL_CONFIG", namedBy: "environment variable ETL_CONFIG" },
  ];
  for (const { name, namedBy } of cases) {
    await t.step(name, async () => {
      await withConfig(undefined, async (configPath) => {
        await assertConfigError(
          resolveQuietly({ configPath, configNamedBy: namedBy, env: {} }),
          "CONFIG_MISSING",
          `Cannot find config file "${configPath}" named by ${namedBy}: only a missing ` +
            "./credentials.cfg, with neither --config nor ETL_CONFIG, selects the embedded default",
        );
      });
    });
  }
  await t.step("the default file, absent, is the embedded default", async () => {
    await withConfig(undefined, async (configPath) => {
      assert.equal((await resolveQuietly({ configPath, env: {} })).mode, "embedded");
    });
  });
});

Deno.test("chooseConfigFile: --config, else ETL_CONFIG, else ./credentials.cfg", () => {
  assert.deepEqual(chooseConfigFile("a.cfg", { ETL_CONFIG: "b.cfg" }), {
    configPath: "a.cfg",
    configNamedBy: "--config",
  });
  assert.deepEqual(chooseConfigFile(undefined, { ETL_CONFIG: " b.cfg " }), {
    configPath: "b.cfg",
    configNamedBy: "environment variable ETL_CONFIG",
  });
  assert.deepEqual(chooseConfigFile(undefined, { ETL_CONFIG: "  " }), {
    configPath: "./credentials.cfg",
  });
  assert.deepEqual(chooseConfigFile(undefined, {}), { configPath: "./credentials.cfg" });
});

Deno.test("embeddedPortFrom validates ETL_EMBEDDED_PORT and names the variable", async (t) => {
  assert.equal(embeddedPortFrom({ ETL_EMBEDDED_PORT: "55432" }), 55432);
  assert.equal(embeddedPortFrom({ ETL_EMBEDDED_PORT: " " }), undefined);
  assert.equal(embeddedPortFrom({}), undefined);
  for (const value of ["abc", "0", "65536", "5432.5", "0x10", "1e3", "-1"]) {
    await t.step(JSON.stringify(value), () => {
      assert.throws(
        () => embeddedPortFrom({ ETL_EMBEDDED_PORT: value }),
        (error: unknown) => {
          assert.ok(error instanceof PipelineError);
          assert.equal(error.code, "CONFIG_INVALID");
          assert.equal(
            error.message,
            "Invalid setting ETL_EMBEDDED_PORT (from environment variable ETL_EMBEDDED_PORT): " +
              `expected an integer from 1 to 65535, got "${value}"`,
          );
          return true;
        },
      );
    });
  }
});

Deno.test("resolveSettings refuses INI lines it would otherwise ignore, naming the line", async (t) => {
  const cases: { name: string; text: string; problem: string }[] = [
    {
      name: "a line without =",
      text: MINIMAL_FILE.replace("HOST = localhost", "HOST localhost"),
      problem: "line 6 is not KEY = VALUE, [SECTION] or a comment starting with ; or #",
    },
    {
      name: "a secret pasted on its own line (not quoted in the message)",
      text: `${MINIMAL_FILE}${FILE_SECRETS.password}\n`,
      problem: "line 9 is not KEY = VALUE, [SECTION] or a comment starting with ; or #",
    },
    {
      name: "a value continued on an indented line",
      text: MINIMAL_FILE.replace("USER = etl", "USER = etl\n    more"),
      problem: "line 9 is not KEY = VALUE, [SECTION] or a comment starting with ; or #",
    },
    {
      name: "no key before =",
      text: MINIMAL_FILE.replace("USER = etl", "= etl"),
      problem: 'line 8 has no key before "="',
    },
    {
      name: "a key set twice in a section",
      text: MINIMAL_FILE.replace("USER = etl", "USER = etl\nUSER = other"),
      problem: "line 9 sets DB.USER again (first set on line 8)",
    },
    {
      name: "a section header with text after it",
      text: MINIMAL_FILE.replace("[DB]", "[DB] ; database"),
      problem: "line 5 is not KEY = VALUE, [SECTION] or a comment starting with ; or #",
    },
  ];
  for (const { name, text, problem } of cases) {
    await t.step(name, async () => {
      await withConfig(text, async (configPath) => {
        await assertConfigError(
          resolveQuietly({ configPath, env: {} }),
          "CONFIG_INVALID",
          `Cannot parse config file "${configPath}": ${problem}`,
        );
      });
    });
  }
  await t.step("the same key in two sections, indented lines and CRLF are fine", async () => {
    const text =
      `[S3]\r\n  REGION = us-west-2\r\nBUCKET = b\r\n[DB]\r\nHOST = h\r\nDATABASE = d\r\n` +
      `USER = u\r\n[SCHEDULE]\r\nHOST_NOTE = x\r\n[OTHER]\r\nHOST = elsewhere\r\n`;
    await withConfig(text, async (configPath) => {
      const settings = await resolveQuietly({ configPath, env: {} });
      assert.ok(settings.mode === "configured" && settings.db.host === "h");
      assert.ok(settings.mode === "configured" && settings.s3.region === "us-west-2");
    });
  });
});

Deno.test("a ; after a value is part of it, and the refusal says so", async () => {
  const text = FULL_FILE.replace(
    "ENDPOINT = http://127.0.0.1:9000",
    "ENDPOINT = http://127.0.0.1:9000     ; any S3-compatible store",
  );
  await withConfig(text, async (configPath) => {
    await assertConfigError(
      resolveQuietly({ configPath, env: {} }),
      "CONFIG_INVALID",
      `Invalid setting S3.ENDPOINT (from "${configPath}"): expected an http(s) URL, got ` +
        `"http://127.0.0.1:9000     ; any S3-compatible store" (a ; or # after a value is part of ` +
        "the value: put comments on a line of their own)",
    );
  });
});

Deno.test("credentials.example.cfg works with every commented setting uncommented", async () => {
  const example = await Deno.readTextFile(new URL("../credentials.example.cfg", import.meta.url));
  // Uncomment `; KEY = value` and `; [SECTION]` lines; prose comments stay comments.
  const uncommented = example.replace(/^; (\[[A-Z]+\]|[A-Z_]+ = .*)$/gm, "$1")
    .replace(/^HOST =$/m, "HOST = db.example.internal")
    .replace(/^DATABASE =$/m, "DATABASE = anime")
    .replace(/^USER =$/m, "USER = etl");
  assert.match(uncommented, /^ENDPOINT = /m, "the example has an ENDPOINT line to uncomment");
  assert.match(uncommented, /^\[ETL\]$/m);
  await withConfig(uncommented, async (configPath) => {
    const settings = await resolveQuietly({ configPath, env: {} });
    assert.equal(settings.mode, "configured");
    if (settings.mode !== "configured") return;
    assert.equal(settings.s3.endpoint, "http://127.0.0.1:9000");
    assert.equal(settings.s3.bucket, "anime-recommendation-dataset");
    assert.deepEqual(settings.limits, {
      rejectThreshold: 0.01,
      stallTimeoutSeconds: 60,
      publishWaitSeconds: 180,
      publishTerminateAfterSeconds: 60,
      priority: 10,
    });
  });
  await withConfig(example, async (configPath) => {
    await assertConfigError(
      resolveQuietly({ configPath, env: {} }),
      "CONFIG_MISSING",
      `Cannot find setting DB.HOST: searched environment variable PGHOST, [DB] HOST in "${configPath}"`,
    );
  });
});
