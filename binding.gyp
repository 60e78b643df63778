# node-gyp build of the addon. Linux (x64, arm64) is built and tested in CI; the macOS
# (xcode_settings: clang, libc++, C++17, exceptions, the ISA flags per SIMD table) and Windows
# (msvs_settings: MSVC /std:c++17, /EHsc, precise floating point, /arch per SIMD table) settings
# are what those platforms need but are untested: no macOS or Windows machine runs CI.
{
  "variables": {
    "kernel_flags": [
      "-O3",
      "-fPIC",
      "-fno-math-errno",
      "-ffp-contract=off",
      "-fvisibility=hidden",
      "-std=c++17",
      "-fexceptions"
    ]
  },
  "target_defaults": {
    "cflags!": [
      "-fno-exceptions",
      "-O2",
      "-O0"
    ],
    "cflags_cc!": [
      "-fno-exceptions",
      "-fno-rtti",
      "-std=gnu++17",
      "-std=gnu++14",
      "-O2",
      "-O0"
    ],
    "cflags_cc": [
      "<@(kernel_flags)"
    ],
    "include_dirs": [
      "native/kernels"
    ],
    "xcode_settings": {
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "CLANG_CXX_LIBRARY": "libc++",
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
      "GCC_OPTIMIZATION_LEVEL": "3",
      "MACOSX_DEPLOYMENT_TARGET": "11.0",
      "OTHER_CPLUSPLUSFLAGS": [
        "-fno-math-errno",
        "-ffp-contract=off"
      ]
    },
    "msvs_settings": {
      "VCCLCompilerTool": {
        "ExceptionHandling": 1,
        "Optimization": 2,
        "FloatingPointModel": 0,
        "AdditionalOptions": [
          "/std:c++17"
        ]
      }
    }
  },
  "targets": [
    {
      "target_name": "rnnad_kernels_base",
      "type": "static_library",
      "sources": [
        "native/kernels/isa_dispatch.cc",
        "native/kernels/threadpool.cc",
        "native/kernels/denormal.cc",
        "native/kernels/table_scalar.cc",
        "native/kernels/params.cc",
        "native/kernels/stack.cc",
        "native/kernels/model.cc",
        "native/kernels/dense_optim.cc",
        "native/kernels/packed_weights.cc",
        "native/kernels/buffers.cc",
        "native/kernels/dropout.cc",
        "native/kernels/heads.cc"
      ]
    },
    {
      "target_name": "rnnad",
      "dependencies": [
        "rnnad_kernels_base"
      ],
      "sources": [
        "native/binding/addon.cc",
        "native/binding/args.cc",
        "native/binding/async_job.cc",
        "native/binding/js_errors.cc",
        "native/binding/stack_wrap.cc",
        "native/binding/model_wrap.cc",
        "native/binding/stepper_wrap.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "conditions": [
        [
          "OS!='win'",
          {
            "libraries": [
              "-lpthread"
            ]
          }
        ],
        [
          "target_arch=='x64'",
          {
            "dependencies": [
              "rnnad_kernels_avx2",
              "rnnad_kernels_avx512"
            ]
          }
        ],
        [
          "target_arch=='arm64'",
          {
            "dependencies": [
              "rnnad_kernels_neon"
            ]
          }
        ]
      ]
    }
  ],
  "conditions": [
    [
      "target_arch=='x64'",
      {
        "targets": [
          {
            "target_name": "rnnad_kernels_avx2",
            "type": "static_library",
            "sources": [
              "native/kernels/table_avx2.cc"
            ],
            "cflags_cc": [
              "-mavx2",
              "-mfma",
              "-mf16c"
            ],
            "xcode_settings": {
              "OTHER_CPLUSPLUSFLAGS": [
                "-mavx2",
                "-mfma",
                "-mf16c"
              ]
            },
            "msvs_settings": {
              "VCCLCompilerTool": {
                "AdditionalOptions": [
                  "/arch:AVX2"
                ]
              }
            }
          },
          {
            "target_name": "rnnad_kernels_avx512",
            "type": "static_library",
            "sources": [
              "native/kernels/table_avx512.cc"
            ],
            "cflags_cc": [
              "-mavx512f",
              "-mavx512bw",
              "-mavx512dq",
              "-mavx512vl",
              "-mavx2",
              "-mfma",
              "-mf16c"
            ],
            "xcode_settings": {
              "OTHER_CPLUSPLUSFLAGS": [
                "-mavx512f",
                "-mavx512bw",
                "-mavx512dq",
                "-mavx512vl",
                "-mavx2",
                "-mfma",
                "-mf16c"
              ]
            },
            "msvs_settings": {
              "VCCLCompilerTool": {
                "AdditionalOptions": [
                  "/arch:AVX512"
                ]
              }
            }
          }
        ]
      }
    ],
    [
      "target_arch=='arm64'",
      {
        "targets": [
          {
            "target_name": "rnnad_kernels_neon",
            "type": "static_library",
            "sources": [
              "native/kernels/table_neon.cc"
            ]
          }
        ]
      }
    ]
  ]
}
