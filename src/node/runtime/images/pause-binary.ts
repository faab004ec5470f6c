/**
 * The sandbox ("pause") program, as a hand-assembled static x86-64 Linux ELF of a
 * few hundred bytes. Why not busybox `sleep`: as PID 1 of a PID namespace a
 * process only receives signals it installed handlers for, so `sleep` ignores
 * the SIGTERM containerd sends on StopPodSandbox and every stop waits for the
 * SIGKILL fallback. Why not a shell `trap` loop: it forks a `sleep` per wake-up
 * and needs the whole busybox in the image. This binary does what upstream's
 * pause.c does and nothing else:
 *
 *   - SIGINT and SIGTERM: exit(0);
 *   - SIGCHLD: reap every exited child (wait4(-1, NULL, WNOHANG) until none),
 *     so zombies of a shared PID namespace don't pile up;
 *   - otherwise pause() forever.
 *
 * Handlers are installed with rt_sigaction and SA_RESTORER (x86-64 Linux has no
 * default restorer); the restorer is the two-instruction rt_sigreturn stub.
 */

type Item =
  | { kind: 'bytes'; bytes: number[] }
  | { kind: 'label'; name: string }
  | { kind: 'rel32' | 'rel8' | 'abs64'; label: string }
  | { kind: 'align'; to: number };

const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u64 = (n: number): number[] => [...u32(n), ...u32(Math.floor(n / 2 ** 32))];

const SYS = { rtSigaction: 13, pause: 34, wait4: 61, rtSigreturn: 15, exitGroup: 231 };
const SIG = { INT: 2, TERM: 15, CHLD: 17 };
const SA_NOCLDSTOP = 0x1;
const SA_RESTORER = 0x04000000;
const SA_RESTART = 0x10000000;
const WNOHANG = 1;

const movEax = (n: number): Item => ({ kind: 'bytes', bytes: [0xb8, ...u32(n)] });
const movEdi = (n: number): Item => ({ kind: 'bytes', bytes: [0xbf, ...u32(n >>> 0)] });
const syscall: Item = { kind: 'bytes', bytes: [0x0f, 0x05] };
const label = (name: string): Item => ({ kind: 'label', name });

/** rt_sigaction(sig, &act, NULL, sizeof(sigset_t)) */
function installHandler(sig: number, act: string): Item[] {
  return [
    movEax(SYS.rtSigaction),
    movEdi(sig),
    { kind: 'bytes', bytes: [0x48, 0x8d, 0x35] }, // lea rsi, [rip + act]
    { kind: 'rel32', label: act },
    { kind: 'bytes', bytes: [0x31, 0xd2] }, // xor edx, edx
    { kind: 'bytes', bytes: [0x41, 0xba, ...u32(8)] }, // mov r10d, 8
    syscall,
  ];
}

/** struct kernel_sigaction { handler; flags; restorer; mask } */
function sigaction(handler: string, flags: number): Item[] {
  return [
    { kind: 'abs64', label: handler },
    { kind: 'bytes', bytes: u64(flags) },
    { kind: 'abs64', label: 'restorer' },
    { kind: 'bytes', bytes: u64(0) },
  ];
}

const program: Item[] = [
  ...installHandler(SIG.INT, 'act_exit'),
  ...installHandler(SIG.TERM, 'act_exit'),
  ...installHandler(SIG.CHLD, 'act_reap'),
  label('loop'),
  movEax(SYS.pause),
  syscall,
  { kind: 'bytes', bytes: [0xeb] }, // jmp loop
  { kind: 'rel8', label: 'loop' },
  label('on_exit'),
  movEax(SYS.exitGroup),
  { kind: 'bytes', bytes: [0x31, 0xff] }, // xor edi, edi: status 0
  syscall,
  label('on_chld'),
  movEax(SYS.wait4),
  movEdi(-1),
  { kind: 'bytes', bytes: [0x31, 0xf6] }, // xor esi, esi: no status
  { kind: 'bytes', bytes: [0xba, ...u32(WNOHANG)] }, // mov edx, WNOHANG
  { kind: 'bytes', bytes: [0x45, 0x31, 0xd2] }, // xor r10d, r10d: no rusage
  syscall,
  { kind: 'bytes', bytes: [0x85, 0xc0, 0x7f] }, // test eax, eax; jg on_chld (reaped one: try again)
  { kind: 'rel8', label: 'on_chld' },
  { kind: 'bytes', bytes: [0xc3] }, // ret -> restorer
  label('restorer'),
  movEax(SYS.rtSigreturn),
  syscall,
  { kind: 'align', to: 8 },
  label('act_exit'),
  ...sigaction('on_exit', SA_RESTORER),
  label('act_reap'),
  ...sigaction('on_chld', SA_RESTORER | SA_RESTART | SA_NOCLDSTOP),
];

const sizeOf = (it: Item, at: number): number =>
  it.kind === 'bytes'
    ? it.bytes.length
    : it.kind === 'rel32'
      ? 4
      : it.kind === 'rel8'
        ? 1
        : it.kind === 'abs64'
          ? 8
          : it.kind === 'align'
            ? (it.to - (at % it.to)) % it.to
            : 0;

function assemble(items: Item[], origin: number): number[] {
  const labels = new Map<string, number>();
  let at = origin;
  for (const it of items) {
    if (it.kind === 'label') labels.set(it.name, at);
    at += sizeOf(it, at);
  }
  const out: number[] = [];
  for (const it of items) {
    const here = origin + out.length;
    const target = 'label' in it ? labels.get(it.label) : undefined;
    if ('label' in it && target === undefined) throw new Error(`pause: undefined label ${it.label}`);
    if (it.kind === 'bytes') out.push(...it.bytes);
    else if (it.kind === 'rel32') out.push(...u32(target! - (here + 4)));
    else if (it.kind === 'rel8') {
      const rel = target! - (here + 1);
      if (rel < -128 || rel > 127) throw new Error(`pause: jump to ${it.label} out of rel8 range`);
      out.push(rel & 0xff);
    } else if (it.kind === 'abs64') out.push(...u64(target!));
    else if (it.kind === 'align') out.push(...new Array<number>(sizeOf(it, here)).fill(0));
  }
  return out;
}

const base = 0x400000;
const ehdrSize = 64;
const phdrSize = 56;

/** The pause program as a complete ELF executable (x86-64 Linux). */
export function pauseBinary(): Buffer {
  const entry = base + ehdrSize + phdrSize;
  const code = assemble(program, entry);
  const total = ehdrSize + phdrSize + code.length;
  const u16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
  const ehdr = [
    ...[0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], // ELF, 64-bit, little endian, SysV
    ...u16(2), // ET_EXEC
    ...u16(0x3e), // EM_X86_64
    ...u32(1),
    ...u64(entry),
    ...u64(ehdrSize), // program headers right after this header
    ...u64(0), // no section headers
    ...u32(0),
    ...u16(ehdrSize),
    ...u16(phdrSize),
    ...u16(1),
    ...u16(0),
    ...u16(0),
    ...u16(0),
  ];
  const phdr = [
    ...u32(1), // PT_LOAD
    ...u32(5), // R + X
    ...u64(0),
    ...u64(base),
    ...u64(base),
    ...u64(total),
    ...u64(total),
    ...u64(0x1000),
  ];
  return Buffer.from([...ehdr, ...phdr, ...code]);
}
