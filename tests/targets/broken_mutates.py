"""A target whose momentum scales the caller's gradients in place (everything else is correct)."""
from reference import initialize_adam, initialize_velocity, random_mini_batches, update_parameters_with_gd  # noqa: F401


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    for k in grads:
        grads[k] *= (1 - beta)                 # scales the caller's gradient in place
    for k in v:                                # (the dW and db keys: the grads model passes hold more)
        v[k] = beta * v[k] + grads[k]
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters[f"W{l}"] = parameters[f"W{l}"] - learning_rate * v[f"dW{l}"]
        parameters[f"b{l}"] = parameters[f"b{l}"] - learning_rate * v[f"db{l}"]
    return parameters, v
