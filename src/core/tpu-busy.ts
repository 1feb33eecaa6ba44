/**
 * libtpu lets one process own a host's chips. A benchmark started while another process holds them either
 * fails to initialise the TPU backend or, worse, falls back to the CPU and prints a metric that measures the
 * wrong device. Either way the sample is a `tpu-busy` failure, recognised from what libtpu and JAX print. A leaf:
 * the remote bench runner classifies with it.
 */
const BUSY: readonly RegExp[] = [
  // libtpu / jaxlib: "ABORTED: The TPU is already in use by process with pid 176028. Not attempting to load libtpu.so …"
  /TPU is already in use by (?:process with pid \d+|another process)/i,
  // older libtpu: "libtpu.so already in use by another process probably owned by another user."
  /libtpu\.so already in use by another process/i,
  // the device file itself: "open(/dev/vfio/0): Device or resource busy", "/dev/accel0 … busy"
  /\/dev\/(?:accel|vfio)\S*.*(?:Device or resource busy|already in use)/i,
];

/** The first output line that says the chips are owned by another process, or undefined. */
export function tpuBusyLine(output: string): string | undefined {
  for (const line of output.split('\n')) {
    if (BUSY.some((re) => re.test(line))) return line.trim().slice(0, 300);
  }
  return undefined;
}
