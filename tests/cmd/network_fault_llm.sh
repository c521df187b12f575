#!/usr/bin/env bash
# Network faults for the DeepSeek stages (serper-signals with a DeepSeek key,
# role-resolve --llm): the second half of network_fault.sh.
NF_PART=llm exec bash "$(dirname "$0")/network_fault.sh"
