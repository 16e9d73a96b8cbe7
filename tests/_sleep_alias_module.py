from time import sleep


def wait(seconds):
    sleep(seconds)
