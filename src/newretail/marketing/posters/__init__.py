"""Share posters (分享海报): layouts drawn with Pillow and a CJK font, a QR code of the poster's
tracked link (segno), and the actions that save them. ``layouts`` holds the templates,
``render`` draws one, ``actions`` validates and stores."""
