package io.probesim.x86.mem;

/**
 * An access the memory refused: the page is not mapped, lacks the needed permission, or the
 * address is not canonical (bits 63..47 not all equal). Thrown by {@link Memory}; the CPU turns
 * it into #PF (not canonical: #GP or #SS). Carries no stack trace: faults are part of normal
 * simulated execution, not bugs of the simulator.
 */
public final class MemoryFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long address;
    private final boolean write;
    private final boolean fetch;
    private final boolean nonCanonical;
    private final boolean present;
    private final boolean user;

    public MemoryFault(long address, boolean write, boolean fetch, boolean nonCanonical, boolean present) {
        this(address, write, fetch, nonCanonical, present, false);
    }

    public MemoryFault(long address, boolean write, boolean fetch, boolean nonCanonical, boolean present, boolean user) {
        super(null, null, false, false);
        this.address = address;
        this.write = write;
        this.fetch = fetch;
        this.nonCanonical = nonCanonical;
        this.present = present;
        this.user = user;
    }

    /** The faulting linear address (for a page-crossing access: the first byte on the refusing page). */
    public long address() { return address; }

    /** True for a write access. */
    public boolean write() { return write; }

    /** True for an instruction fetch. */
    public boolean fetch() { return fetch; }

    /** True when the address is not canonical (no page was consulted). */
    public boolean nonCanonical() { return nonCanonical; }

    /** True when the page is mapped but lacks the permission (a protection violation, #PF error code bit P). */
    public boolean present() { return present; }

    /** True for an access by code at CPL 3 (it needed the page's U bit; #PF error code bit U/S). */
    public boolean user() { return user; }

    @Override
    public String getMessage() {
        String kind = (user ? "user " : "") + (fetch ? "fetch" : write ? "write" : "read");
        String why = nonCanonical ? "non-canonical address" : present ? "permission denied" : "unmapped page";
        return String.format("%s at 0x%x: %s", kind, address, why);
    }
}
