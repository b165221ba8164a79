# Builds spacetime_native.node: the native CPU kernels for spacetime-lab.
#   npx node-gyp rebuild --directory kernels/native --nodedir=/usr
# Each ISA's kernels are a static library with their own -m flags, so the
# addon runs on any x86-64 (dispatch at run time in src/cpu_features.cc) and
# builds elsewhere with only the scalar kernels. Never -march=native.
# The gemm_avx512 / gemm_avx2 libraries hold every kernel family's code for
# that ISA (GEMM first, then element-wise and reductions, then attention, then AdamW,
# then LayerNorm + modulate, then the EMA update).
{
  'target_defaults': {
    'cflags_cc': ['-O3', '-std=gnu++17', '-fPIC', '-ffp-contract=off'],
    'cflags_cc!': ['-O2', '-Os', '-std=gnu++1y', '-std=gnu++14'],
    'xcode_settings': {
      'GCC_OPTIMIZATION_LEVEL': '3',
      'CLANG_CXX_LANGUAGE_STANDARD': 'gnu++17',
      'OTHER_CPLUSPLUSFLAGS': ['-ffp-contract=off'],
    },
  },
  'targets': [
    {
      'target_name': 'gemm_avx512',
      'type': 'static_library',
      'sources': ['src/gemm_avx512.cc', 'src/elementwise_avx512.cc', 'src/attention_avx512.cc', 'src/adamw_avx512.cc', 'src/layernorm_modulate_avx512.cc',
                  'src/ema_avx512.cc'],
      'conditions': [
        ['target_arch=="x64"', {
          # -Wno-*uninitialized: GCC 12 warns inside its own avx512fintrin.h (GCC bug 105593).
          'cflags_cc': ['-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mfma', '-mavx2',
                        '-Wno-uninitialized', '-Wno-maybe-uninitialized'],
          'xcode_settings': {'OTHER_CPLUSPLUSFLAGS': ['-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mfma', '-mavx2']},
        }],
      ],
    },
    {
      'target_name': 'gemm_avx2',
      'type': 'static_library',
      'sources': ['src/gemm_avx2.cc', 'src/elementwise_avx2.cc', 'src/attention_avx2.cc', 'src/adamw_avx2.cc', 'src/layernorm_modulate_avx2.cc', 'src/ema_avx2.cc'],
      'conditions': [
        ['target_arch=="x64"', {
          'cflags_cc': ['-mavx2', '-mfma'],
          'xcode_settings': {'OTHER_CPLUSPLUSFLAGS': ['-mavx2', '-mfma']},
        }],
      ],
    },
    {
      'target_name': 'spacetime_native',
      'dependencies': ['gemm_avx512', 'gemm_avx2'],
      'sources': [
        'src/addon.cc',
        'src/runtime_napi.cc',
        'src/cpu_features.cc',
        'src/thread_pool.cc',
        'src/gemm.cc',
        'src/gemm_napi.cc',
        'src/gemm_scalar.cc',
        'src/elementwise.cc',
        'src/elementwise_napi.cc',
        'src/elementwise_scalar.cc',
        'src/reduce.cc',
        'src/reduce_napi.cc',
        'src/attention.cc',
        'src/attention_napi.cc',
        'src/attention_scalar.cc',
        'src/patch_embed.cc',
        'src/patch_embed_napi.cc',
        'src/adamw.cc',
        'src/adamw_napi.cc',
        'src/adamw_scalar.cc',
        'src/layernorm_modulate.cc',
        'src/layernorm_modulate_napi.cc',
        'src/layernorm_modulate_scalar.cc',
        'src/ema.cc',
        'src/ema_napi.cc',
        'src/ema_scalar.cc',
      ],
      'cflags': ['-pthread'],
      'ldflags': ['-pthread'],
    },
  ],
}
