// The one rule for each thing several operations take: an API version, a platform, a tag
// given beside a reference, an image id.
import assert from "node:assert/strict";
import { apiAtLeast, parseApiVersion } from "../../src/client/api_version.ts";
import {
  algorithmOf,
  distinctImageIds,
  imageIdStartsWith,
  isImageIdText,
  sameImageId,
} from "../../src/vocabulary/image_id.ts";
import { parsePlatform } from "../../src/vocabulary/platform.ts";
import { validateBuildPlatforms } from "../../src/vocabulary/build_platforms.ts";
import { withTag } from "../../src/vocabulary/reference.ts";

Deno.test("parseApiVersion() and apiAtLeast() read major.minor, missing parts as 0", () => {
  assert.deepEqual(parseApiVersion("5.4.2"), { major: 5, minor: 4 });
  assert.deepEqual(parseApiVersion("4"), { major: 4, minor: 0 });
  assert.deepEqual(parseApiVersion("x.y"), { major: 0, minor: 0 });
  assert.equal(apiAtLeast("5.3.0", 5, 3), true);
  assert.equal(apiAtLeast("5.2.9", 5, 3), false);
  assert.equal(apiAtLeast("6.0.0", 5, 3), true);
  assert.equal(apiAtLeast("4.3.1", 5), false);
  assert.equal(apiAtLeast("4.4.0", 4, 4), true);
});

Deno.test("parsePlatform() takes os/arch[/variant] or an object, one rule for every caller", () => {
  assert.deepEqual(parsePlatform("linux/arm64", "x"), { os: "linux", architecture: "arm64" });
  assert.deepEqual(parsePlatform("linux/arm/v7", "x"), {
    os: "linux",
    architecture: "arm",
    variant: "v7",
  });
  assert.deepEqual(parsePlatform({ os: "linux", architecture: "amd64" }, "x"), {
    os: "linux",
    architecture: "amd64",
  });
  // A part left out means any: podman-py's platform="linux" names the OS only.
  assert.deepEqual(parsePlatform("linux", "x"), { os: "linux" });
  for (const bad of ["linux//v7", "a/b/c/d", "", "/amd64", "linux/"]) {
    assert.throws(() => parsePlatform(bad, "Cannot pull"), {
      name: "RangeError",
      message: `Cannot pull: platform "${bad}" is not os[/arch[/variant]]`,
    });
  }
  assert.throws(() => parsePlatform({ os: "linux" } as never, "Cannot pull"), TypeError);
});

Deno.test("validateBuildPlatforms() keeps requiring the architecture a build needs", () => {
  assert.deepEqual(validateBuildPlatforms(["linux/arm64", "linux/arm/v7"], "x"), [
    { os: "linux", architecture: "arm64" },
    { os: "linux", architecture: "arm", variant: "v7" },
  ]);
  assert.throws(() => validateBuildPlatforms(["linux"], "Cannot build image"), {
    name: "RangeError",
    message: 'Cannot build image: platform "linux" names no architecture: a build needs os/arch',
  });
});

Deno.test("withTag() appends a checked tag and refuses a second one", () => {
  assert.deepEqual(withTag("127.0.0.1:5000/a/b", "1", "x"), {
    registry: "127.0.0.1:5000",
    path: "a/b",
    tag: "1",
  });
  assert.deepEqual(withTag("busybox:2", undefined, "x"), { path: "busybox", tag: "2" });
  assert.throws(() => withTag("busybox:1", "2", "Cannot pull"), {
    message: 'Cannot pull: the reference already names a tag; do not pass tag "2" too',
  });
  assert.throws(() => withTag("busybox@sha256:" + "a".repeat(64), "2", "Cannot push"), {
    message: 'Cannot push: the reference already names a digest; do not pass tag "2" too',
  });
  assert.throws(() => withTag("busybox:1", "2", "Cannot pull"), TypeError);
  assert.throws(() => withTag("busybox", "bad tag", "Cannot push"), RangeError);
  assert.throws(() => withTag("busybox", "", "Cannot push"), TypeError);
  assert.throws(() => withTag("busybox", 1 as never, "Cannot push"), TypeError);
});

Deno.test("image ids compare across sha256:x and x without rewriting either, and never across algorithms", () => {
  const hex = "0a1b2c3d4e5f".repeat(5) + "6789";
  assert.equal(sameImageId(`sha256:${hex}`, hex), true);
  assert.equal(sameImageId(hex, `sha256:${hex}`), true);
  assert.equal(sameImageId(`sha512:${hex}`, hex), true);
  assert.equal(sameImageId(`sha256:${hex}`, `sha512:${hex}`), false);
  assert.equal(sameImageId(hex, hex.slice(0, 12)), false);
  assert.equal(imageIdStartsWith(hex, hex.slice(0, 12)), true);
  assert.equal(imageIdStartsWith(hex, `sha256:${hex.slice(0, 12)}`), true);
  assert.equal(imageIdStartsWith(`sha256:${hex}`, hex.slice(0, 12)), true);
  assert.equal(imageIdStartsWith(`sha256:${hex}`, "sha256:"), true);
  assert.equal(imageIdStartsWith(hex, "sha256:"), false);
  assert.equal(imageIdStartsWith(hex, ""), false);
  assert.equal(imageIdStartsWith(`sha512:${hex}`, `sha256:${hex.slice(0, 12)}`), false);
  assert.deepEqual(distinctImageIds([`sha256:${hex}`, "b", hex, "b"]), [`sha256:${hex}`, "b"]);
  assert.equal(algorithmOf(`sha512:${hex}`), "sha512:");
  assert.equal(algorithmOf(`multihash+base58:${hex}`), "multihash+base58:");
  assert.equal(algorithmOf(hex), "");
});

Deno.test("isImageIdText() takes algorithm:encoded or bare hex of 32+ characters, not log text", () => {
  const hex = "0a1b2c3d".repeat(8);
  for (const id of [hex, hex.slice(0, 40), `sha256:${hex}`, `sha512:${hex}${hex}`, `b3:${hex}`]) {
    assert.equal(isImageIdText(id), true, id);
  }
  for (const text of ["key:value", hex.slice(0, 31), `--> ${hex.slice(0, 12)}`, `${hex} x`, ""]) {
    assert.equal(isImageIdText(text), false, text);
  }
});
