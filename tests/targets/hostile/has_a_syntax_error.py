def update_parameters_with_gd(parameters, grads, learning_rate)
    return parameters
