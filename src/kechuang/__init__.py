"""kechuang (科创): the operating platform of a regional science and technology innovation center."""
