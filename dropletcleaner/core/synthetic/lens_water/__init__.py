"""Physically based rendering of water on (or in front of) a camera lens, for training data.

No large labelled set of real droplet photos exists, so positives are clean photos with
rendered water. Each drop is a height field (elliptical or irregular, merged with its
neighbours, sagging under gravity). Its surface normals displace where the pixel samples the
scene, so a drop on glass shows a blurred, inverted, wide-angle view of what lies behind it;
a drop on the lens itself is far out of focus and shows a soft, hazy, magnified blob. Steep
edges darken (Fresnel reflection and total internal reflection) and a light direction adds
specular highlights. The water layer is then blurred by its distance from the focus plane
and composited over the photo as a partial occluder.

Every count, size, shape, position and strength is random, so that a classifier cannot
learn a renderer artefact; noise and JPEG are left to the caller, which applies them to
the whole photo.

The package, from the bottom up: :mod:`.geometry` places and shapes the drops and merges them
into a height field; :mod:`.shading` turns a field into colour (refraction, edges, highlights,
defocus, haze); :mod:`.lens`, :mod:`.glass` and :mod:`.film` draw each kind of water;
:mod:`.kinds` names the kinds, their weights and working sizes; :mod:`.render` is the entry
point, :func:`~.render.render_droplets`, which composites the water and returns the photo with
its coverage mask.
"""
