"""Level 10: denoising diffusion (DDPM): the noise schedule, q_sample, a noise predictor, the step."""

from clean_reference.l10_diffusion.ddpm import (
    DiffusionSchedule,
    NoisePredictor,
    ddpm_train_step,
    linear_beta_schedule,
    q_sample,
    sinusoidal_embedding,
)

__all__ = ["DiffusionSchedule", "NoisePredictor", "ddpm_train_step", "linear_beta_schedule", "q_sample",
           "sinusoidal_embedding"]
