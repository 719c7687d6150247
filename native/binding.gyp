{
  "targets": [
    {
      "target_name": "curio_dense",
      "sources": ["dense.cc", "factors.cc", "ease.cc", "shared.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fopenmp", "-ffp-contract=fast"],
      "ldflags": ["-fopenmp"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] }
    }
  ]
}
