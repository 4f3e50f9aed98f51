"""The generated ``train.py``'s ``main()`` for a generator/discriminator project (see `compile.trainscript`).

A format template: doubled braces are the script's own; ``{generator}``, ``{discriminator}`` and
the two graph names are filled in by `generate_train_script`.
"""

ADVERSARIAL = '''

def main() -> None:
    args = arguments()
    rank, world, device = setup()
    torch.manual_seed(SETTINGS["seed"])
    real = torch.from_numpy(np.load(args.data)["x_train"])
    gen_net, disc_net = {generator}().to(device), {discriminator}().to(device)
    start_from(args.start_from, {{{generator_graph!r}: gen_net, {discriminator_graph!r}: disc_net}})
    speed_up(device, gen_net, disc_net)
    gen, disc = wrap(gen_net, device, world), wrap(disc_net, device, world)
    amp, g_scaler, d_scaler = autocast_dtype(device), make_scaler(device), make_scaler(device)
    g_params, d_params = list(gen_net.parameters()), list(disc_net.parameters())
    g_opt, d_opt = make_optimizer(g_params), make_optimizer(d_params)
    bce = nn.BCEWithLogitsLoss()
    batches, sampler = loader([real], rank, world, shuffle=True)
    latent = SETTINGS["latent_dim"]
    for epoch in range(1, args.epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)
        started, d_total, g_total, count = time.perf_counter(), 0.0, 0.0, 0
        for (x,) in batches:
            x = on_device(x, device)
            n = len(x)
            with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                fake = gen(torch.randn(n, latent, device=device))
                # One discriminator pass over real and fake together: DDP wants one forward per backward.
                scores = disc(torch.cat([x, fake.detach()]))
                labels = torch.cat([torch.ones(n, 1, device=device), torch.zeros(n, 1, device=device)])
                d_loss = bce(scores.float(), labels)
            step(d_opt, d_loss, d_params, d_scaler)
            with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                g_loss = bce(disc(fake).float(), torch.ones(n, 1, device=device))
            step(g_opt, g_loss, g_params, g_scaler)
            d_total, g_total, count = d_total + d_loss.detach(), g_total + g_loss.detach(), count + 1
        if rank == 0:
            print(f"epoch {{epoch}}/{{args.epochs}} d_loss {{float(d_total) / max(count, 1):.4f}} "
                  f"g_loss {{float(g_total) / max(count, 1):.4f}} ({{time.perf_counter() - started:.1f}}s)", flush=True)
    if rank == 0:
        save_whole({{"generator": gen_net.state_dict(), "discriminator": disc_net.state_dict()}}, args.out)
        print(f"saved {{args.out}}")
    print(f"rank {{rank}} checksum {{checksum(gen_net, disc_net):.12e}}", flush=True)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
'''
