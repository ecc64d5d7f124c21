"""The cleaning stage: scrape events in, articles (or rejections, or dead letters) out."""
