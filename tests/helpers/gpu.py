"""What a test that compares two runs byte for byte adds on a GPU."""
import torch

# GPU kernels that add in a varying order make two runs of one job differ in the last bits, and the
# rewards carry that into the probabilities; the Trainer's full_determinism picks deterministic kernels
# (cuBLAS's workspace included), under which byte-for-byte holds on a GPU as it does on the CPU
DETERMINISTIC = ["training.extra.full_determinism=true"] if torch.cuda.is_available() else []
