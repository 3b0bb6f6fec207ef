# tflint (scripts/check-infra.sh): only the ruleset bundled in the tflint binary, so nothing is downloaded.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
