/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minidump file format, as far as the minidump writer uses it: Microsoft's
 * MINIDUMP_* structures (DbgHelp.h) with Breakpad's extensions for Linux (the
 * stream types 0x4767xxxx, the 'BpEL' CodeView record carrying an ELF
 * build-id, the platform id for Linux) and the x86_64 and aarch64 register
 * contexts Breakpad's and Crashpad's readers expect.  Written from the
 * published format (Breakpad's minidump_format.h, minidump_cpu_amd64.h,
 * minidump_cpu_arm64.h; rust-minidump's minidump-common).
 *
 * Everything is little-endian and tightly laid out; the sizes the readers
 * insist on are checked below at compile time.  The writer only runs on
 * little-endian hosts (x86_64, aarch64), so these structures are copied into
 * the file as they are.  "RVA" is an offset from the start of the file.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define MD_HEADER_SIGNATURE 0x504d444du /* "MDMP" */
#define MD_HEADER_VERSION 0x0000a793u   /* 42899 in the low 16 bits */

/* Stream types. */
#define MD_THREAD_LIST_STREAM 3u
#define MD_MODULE_LIST_STREAM 4u
#define MD_MEMORY_LIST_STREAM 5u
#define MD_EXCEPTION_STREAM 6u
#define MD_SYSTEM_INFO_STREAM 7u
#define MD_MISC_INFO_STREAM 15u
#define MD_MEMORY_INFO_LIST_STREAM 16u
#define MD_THREAD_NAME_LIST_STREAM 24u
/* Breakpad's Linux streams: the raw bytes of the file named. */
#define MD_LINUX_CPU_INFO 0x47670003u    /* /proc/cpuinfo */
#define MD_LINUX_PROC_STATUS 0x47670004u /* /proc/PID/status */
#define MD_LINUX_LSB_RELEASE 0x47670005u /* /etc/lsb-release (or os-release) */
#define MD_LINUX_CMD_LINE 0x47670006u    /* /proc/PID/cmdline: NUL-separated */
#define MD_LINUX_ENVIRON 0x47670007u     /* /proc/PID/environ: NUL-separated */
#define MD_LINUX_AUXV 0x47670008u        /* /proc/PID/auxv: binary */
#define MD_LINUX_MAPS 0x47670009u        /* /proc/PID/maps */

/* SystemInfo. */
#define MD_CPU_ARCHITECTURE_AMD64 9u
#define MD_CPU_ARCHITECTURE_ARM64 12u
#define MD_OS_LINUX 0x8201u

/* The CodeView record of an ELF module: this signature, then the build-id's bytes. */
#define MD_CVINFOELF_SIGNATURE 0x4270454cu /* "BpEL" */

#define MD_MISCINFO_FLAGS1_PROCESS_ID 0x00000001u

#define MD_CONTEXT_AMD64 0x00100000u
#define MD_CONTEXT_AMD64_CONTROL (MD_CONTEXT_AMD64 | 0x01u)
#define MD_CONTEXT_AMD64_INTEGER (MD_CONTEXT_AMD64 | 0x02u)
#define MD_CONTEXT_AMD64_SEGMENTS (MD_CONTEXT_AMD64 | 0x04u)
#define MD_CONTEXT_AMD64_FLOATING_POINT (MD_CONTEXT_AMD64 | 0x08u)

#define MD_CONTEXT_ARM64 0x00400000u
#define MD_CONTEXT_ARM64_CONTROL (MD_CONTEXT_ARM64 | 0x01u)
#define MD_CONTEXT_ARM64_INTEGER (MD_CONTEXT_ARM64 | 0x02u)
#define MD_CONTEXT_ARM64_FLOATING_POINT (MD_CONTEXT_ARM64 | 0x04u)

typedef struct {
    uint32_t data_size;
    uint32_t rva;
} MDLocationDescriptor;

typedef struct {
    uint64_t start_of_memory_range;
    MDLocationDescriptor memory;
} MDMemoryDescriptor;

typedef struct {
    uint32_t signature;
    uint32_t version;
    uint32_t stream_count;
    uint32_t stream_directory_rva;
    uint32_t checksum;
    uint32_t time_date_stamp; /* time_t */
    uint64_t flags;
} MDRawHeader;

typedef struct {
    uint32_t stream_type;
    MDLocationDescriptor location;
} MDRawDirectory;

/* A thread list is a uint32_t count, then this many of these. */
typedef struct {
    uint32_t thread_id;
    uint32_t suspend_count;
    uint32_t priority_class;
    uint32_t priority;
    uint64_t teb;
    MDMemoryDescriptor stack;
    MDLocationDescriptor thread_context;
} MDRawThread;

/* The same fields as Windows' VS_FIXEDFILEINFO; all zero for ELF modules. */
typedef struct {
    uint32_t signature;
    uint32_t struct_version;
    uint32_t file_version_hi;
    uint32_t file_version_lo;
    uint32_t product_version_hi;
    uint32_t product_version_lo;
    uint32_t file_flags_mask;
    uint32_t file_flags;
    uint32_t file_os;
    uint32_t file_type;
    uint32_t file_subtype;
    uint32_t file_date_hi;
    uint32_t file_date_lo;
} MDVSFixedFileInfo;

/* A module list is a uint32_t count, then this many of these (108 bytes each, unpadded). */
typedef struct __attribute__((packed)) {
    uint64_t base_of_image;
    uint32_t size_of_image;
    uint32_t checksum;
    uint32_t time_date_stamp;
    uint32_t module_name_rva; /* an MDString */
    MDVSFixedFileInfo version_info;
    MDLocationDescriptor cv_record;
    MDLocationDescriptor misc_record;
    uint32_t reserved0[2];
    uint32_t reserved1[2];
} MDRawModule;

#define MD_EXCEPTION_MAXIMUM_PARAMETERS 15u

/* On Linux: code = the signal number, flags = si_code, address = si_addr. */
typedef struct {
    uint32_t exception_code;
    uint32_t exception_flags;
    uint64_t exception_record;
    uint64_t exception_address;
    uint32_t number_parameters;
    uint32_t align;
    uint64_t exception_information[MD_EXCEPTION_MAXIMUM_PARAMETERS];
} MDException;

typedef struct {
    uint32_t thread_id;
    uint32_t align;
    MDException exception_record;
    MDLocationDescriptor thread_context;
} MDRawExceptionStream;

typedef struct {
    uint16_t processor_architecture;
    uint16_t processor_level;    /* x86: the CPU family */
    uint16_t processor_revision; /* x86: model << 8 | stepping */
    uint8_t number_of_processors;
    uint8_t product_type;
    uint32_t major_version; /* Linux: the kernel release's numbers */
    uint32_t minor_version;
    uint32_t build_number;
    uint32_t platform_id;
    uint32_t csd_version_rva; /* MDString; Linux: "sysname release version machine" */
    uint16_t suite_mask;
    uint16_t reserved2;
    union {
        struct {
            uint32_t vendor_id[3];        /* cpuid 0: ebx, edx, ecx */
            uint32_t version_information; /* cpuid 1: eax */
            uint32_t feature_information; /* cpuid 1: edx */
            uint32_t amd_extended_cpu_features;
        } x86_cpu_info;
        struct {
            uint64_t processor_features[2];
        } other_cpu_info;
    } cpu;
} MDRawSystemInfo;

/* MINIDUMP_MISC_INFO, the first version's fields only. */
typedef struct {
    uint32_t size_of_info;
    uint32_t flags1;
    uint32_t process_id;
    uint32_t process_create_time;
    uint32_t process_user_time;
    uint32_t process_kernel_time;
} MDRawMiscInfo;

/* A memory info list is this header, then number_of_entries MDRawMemoryInfo. */
typedef struct {
    uint32_t size_of_header;
    uint32_t size_of_entry;
    uint64_t number_of_entries;
} MDRawMemoryInfoList;

/* One mapping of the process: its address range and protection. */
typedef struct {
    uint64_t base_address;
    uint64_t allocation_base;
    uint32_t allocation_protection;
    uint32_t alignment1;
    uint64_t region_size;
    uint32_t state;
    uint32_t protection;
    uint32_t type;
    uint32_t alignment2;
} MDRawMemoryInfo;

#define MD_MEMORY_STATE_COMMIT 0x1000u
#define MD_MEMORY_TYPE_PRIVATE 0x20000u
#define MD_MEMORY_PROTECT_NOACCESS 0x01u
#define MD_MEMORY_PROTECT_READONLY 0x02u
#define MD_MEMORY_PROTECT_READWRITE 0x04u
#define MD_MEMORY_PROTECT_EXECUTE 0x10u
#define MD_MEMORY_PROTECT_EXECUTE_READ 0x20u
#define MD_MEMORY_PROTECT_EXECUTE_READWRITE 0x40u

/* A thread name list is a uint32_t count, then this many of these (12 bytes each). */
typedef struct __attribute__((packed)) {
    uint32_t thread_id;
    uint64_t thread_name_rva; /* an MDString */
} MDRawThreadName;

typedef struct {
    uint64_t low;
    uint64_t high;
} MDUInt128;

/* The FXSAVE area: exactly Linux's NT_PRFPREG (user_fpregs_struct) on x86_64. */
typedef struct {
    uint16_t control_word;
    uint16_t status_word;
    uint8_t tag_word;
    uint8_t reserved1;
    uint16_t error_opcode;
    uint32_t error_offset;
    uint16_t error_selector;
    uint16_t reserved2;
    uint32_t data_offset;
    uint16_t data_selector;
    uint16_t reserved3;
    uint32_t mx_csr;
    uint32_t mx_csr_mask;
    MDUInt128 float_registers[8];
    MDUInt128 xmm_registers[16];
    uint8_t reserved4[96];
} MDXmmSaveArea32AMD64;

typedef struct {
    uint64_t p1_home, p2_home, p3_home, p4_home, p5_home, p6_home;
    uint32_t context_flags;
    uint32_t mx_csr;
    uint16_t cs, ds, es, fs, gs, ss;
    uint32_t eflags;
    uint64_t dr0, dr1, dr2, dr3, dr6, dr7;
    uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip;
    MDXmmSaveArea32AMD64 flt_save;
    MDUInt128 vector_register[26];
    uint64_t vector_control;
    uint64_t debug_control;
    uint64_t last_branch_to_rip;
    uint64_t last_branch_from_rip;
    uint64_t last_exception_to_rip;
    uint64_t last_exception_from_rip;
} MDRawContextAMD64;

/* iregs: x0…x28, fp (x29), lr (x30), sp, pc. */
#define MD_CONTEXT_ARM64_REG_FP 29
#define MD_CONTEXT_ARM64_REG_LR 30
#define MD_CONTEXT_ARM64_REG_SP 31
#define MD_CONTEXT_ARM64_REG_PC 32

typedef struct {
    uint32_t context_flags;
    uint32_t cpsr;
    uint64_t iregs[33];
    MDUInt128 fp_regs[32];
    uint32_t fpcr;
    uint32_t fpsr;
    uint32_t bcr[8];
    uint64_t bvr[8];
    uint32_t wcr[2];
    uint64_t wvr[2];
} MDRawContextARM64;

_Static_assert(sizeof(MDRawHeader) == 32, "MINIDUMP_HEADER is 32 bytes");
_Static_assert(sizeof(MDRawDirectory) == 12, "MINIDUMP_DIRECTORY is 12 bytes");
_Static_assert(sizeof(MDRawThread) == 48, "MINIDUMP_THREAD is 48 bytes");
_Static_assert(sizeof(MDRawModule) == 108, "MINIDUMP_MODULE is 108 bytes");
_Static_assert(sizeof(MDMemoryDescriptor) == 16, "MINIDUMP_MEMORY_DESCRIPTOR is 16 bytes");
_Static_assert(sizeof(MDException) == 152, "MINIDUMP_EXCEPTION is 152 bytes");
_Static_assert(sizeof(MDRawExceptionStream) == 168, "MINIDUMP_EXCEPTION_STREAM is 168 bytes");
_Static_assert(sizeof(MDRawSystemInfo) == 56, "MINIDUMP_SYSTEM_INFO is 56 bytes");
_Static_assert(sizeof(MDRawMiscInfo) == 24, "MINIDUMP_MISC_INFO is 24 bytes");
_Static_assert(sizeof(MDRawMemoryInfoList) == 16, "MINIDUMP_MEMORY_INFO_LIST is 16 bytes");
_Static_assert(sizeof(MDRawMemoryInfo) == 48, "MINIDUMP_MEMORY_INFO is 48 bytes");
_Static_assert(sizeof(MDRawThreadName) == 12, "MINIDUMP_THREAD_NAME is 12 bytes");
_Static_assert(sizeof(MDXmmSaveArea32AMD64) == 512, "XMM_SAVE_AREA32 is 512 bytes");
_Static_assert(offsetof(MDRawContextAMD64, rip) == 248, "CONTEXT_AMD64: rip at 248");
_Static_assert(sizeof(MDRawContextAMD64) == 1232, "CONTEXT_AMD64 is 1232 bytes");
_Static_assert(offsetof(MDRawContextARM64, fp_regs) == 272, "CONTEXT_ARM64: v0 at 272");
_Static_assert(sizeof(MDRawContextARM64) == 912, "CONTEXT_ARM64 is 912 bytes");
