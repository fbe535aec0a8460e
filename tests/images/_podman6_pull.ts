/**
 * A pull with byte progress as Podman 6.1.1 wrote it (`pullProgress=true`), and the events
 * podrx makes of it: for tests of the reader, of `pull()` over a fake server, and of
 * `progress()`.
 *
 * @module
 */

import type { PullEvent } from "../../mod.ts";

/** The pulled image's id: its config blob's digest. */
export const IMAGE_ID = "39618603636ee647e7aa7c762a114aaf796798ae59ea8e3b8769ea373b8cf48e";
/** The layer blob. */
export const LAYER = "sha256:65e894b1fb200cc107aa89a813bfe0c6cc6e9ce2290e3989e7ba22a09b00f960";
/** The config blob. */
export const CONFIG = `sha256:${IMAGE_ID}`;

/** What Podman 6.1.1 sent for `pullProgress=true`, a 256 MiB layer (captured with curl). */
export const PODMAN6_LINES = [
  { status: "pulling", stream: "Trying to pull 127.0.0.1:5099/podrx/big:1...\n" },
  { status: "pulling", stream: "Getting image source signatures\n" },
  { status: "pulling", stream: `Copying blob ${LAYER}\n` },
  {
    status: "pulling",
    stream: "Starting to pull artifact",
    pullProgress: { status: "pulling", total: 268436992, progressComponentID: LAYER },
  },
  {
    status: "pulling",
    stream: "Pulling artifact",
    pullProgress: {
      status: "pulling",
      current: 177766082,
      total: 268436992,
      progressComponentID: LAYER,
    },
  },
  {
    status: "pulling",
    stream: "Artifact pulled successfully",
    pullProgress: {
      status: "success",
      current: 268436992,
      total: 268436992,
      progressComponentID: LAYER,
    },
  },
  { status: "pulling", stream: `Copying config ${CONFIG}\n` },
  {
    status: "pulling",
    stream: "Starting to pull artifact",
    pullProgress: { status: "pulling", total: 163, progressComponentID: CONFIG },
  },
  {
    status: "pulling",
    stream: "Artifact pulled successfully",
    pullProgress: { status: "success", current: 163, total: 163, progressComponentID: CONFIG },
  },
  { status: "pulling", stream: "Writing manifest to image destination\n" },
  { status: "success", images: [IMAGE_ID], id: IMAGE_ID },
];

/** The events podrx makes of {@linkcode PODMAN6_LINES}, before `pulled`. */
export const PODMAN6_EVENTS: PullEvent[] = [
  { type: "status", message: "Trying to pull 127.0.0.1:5099/podrx/big:1..." },
  { type: "status", message: "Getting image source signatures" },
  { type: "status", message: `Copying blob ${LAYER}` },
  { type: "progress", id: LAYER, status: "Downloading", current: 0, total: 268436992 },
  { type: "progress", id: LAYER, status: "Downloading", current: 177766082, total: 268436992 },
  {
    type: "progress",
    id: LAYER,
    status: "Download complete",
    current: 268436992,
    total: 268436992,
  },
  { type: "status", message: `Copying config ${CONFIG}` },
  { type: "progress", id: CONFIG, status: "Downloading", current: 0, total: 163 },
  { type: "progress", id: CONFIG, status: "Download complete", current: 163, total: 163 },
  { type: "status", message: "Writing manifest to image destination" },
];
