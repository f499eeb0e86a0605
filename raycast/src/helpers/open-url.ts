/**
 * The one place that hands something to the system to open: web pages only. Anything but an
 * http(s) URL is refused, so no row, toast or menu item can open an application or a file
 * (and none can start agentbar).
 */
import { open } from "@raycast/api";

export function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}

export async function openWebPage(url: string): Promise<void> {
  if (!isWebUrl(url)) throw new Error(`not a web page: ${url}`);
  await open(url);
}
