/**
 * Icon and tint per bucket and per log event kind, as names of Raycast's `Icon` and `Color`
 * (type-only imports, so this stays testable without Raycast). Colours follow SPEC §1: running
 * yellow, waiting orange, completed green, failed red, the rest neutral.
 */
import type { Color, Icon } from "@raycast/api";
import type { Bucket, LogEventKind } from "../api/types";

export type IconName = keyof typeof Icon;
export type ColorName = keyof typeof Color;

export interface Appearance {
  icon: IconName;
  tint: ColorName;
}

const BUCKET_APPEARANCE: Record<Bucket, Appearance> = {
  running: { icon: "CircleProgress50", tint: "Yellow" },
  waiting: { icon: "PersonCircle", tint: "Orange" },
  completed: { icon: "CheckCircle", tint: "Green" },
  failed: { icon: "XMarkCircle", tint: "Red" },
  cancelled: { icon: "MinusCircle", tint: "SecondaryText" },
  unknown: { icon: "QuestionMarkCircle", tint: "SecondaryText" },
};

export function bucketAppearance(bucket: Bucket): Appearance {
  return BUCKET_APPEARANCE[bucket] ?? BUCKET_APPEARANCE.unknown;
}

const LOG_KIND_APPEARANCE: Record<LogEventKind, Appearance> = {
  message: { icon: "SpeechBubble", tint: "PrimaryText" },
  tool: { icon: "WrenchScrewdriver", tint: "Blue" },
  thinking: { icon: "LightBulb", tint: "Purple" },
  progress: { icon: "CircleProgress50", tint: "Yellow" },
  setup: { icon: "Gear", tint: "SecondaryText" },
  error: { icon: "ExclamationMark", tint: "Red" },
};

export function logKindAppearance(kind: LogEventKind): Appearance {
  return LOG_KIND_APPEARANCE[kind] ?? LOG_KIND_APPEARANCE.message;
}
