@ Placeholder lab image for the example bench (fixtures/benches/pi-lab.toml)
@ and the flashing tests: a Cortex-M4 vector table, an idle loop, and the boot
@ banner as initialised data, so the image has a block that is loaded from
@ flash into RAM like a real application's. It drives no UART.
    .syntax unified
    .cpu cortex-m4
    .thumb

    .section .vector_table, "a"
    .word 0x20001000            @ initial stack pointer
    .word reset + 1             @ reset handler (Thumb)

    .text
    .thumb_func
reset:
    ldr r0, =banner
1:  b 1b

    .data
banner:
    .ascii "BOOT VTERM VT-2 firmware 2.3.1\0"
